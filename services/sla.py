"""The SLA clock of a ticket: its due times, kept on the ticket row by the ticket use cases.

Each function here runs inside the caller's transaction with the ticket row locked, changes
the ticket's `sla_*` attributes and returns them as column values, so the caller writes them
in the UPDATE (or INSERT) it makes anyway. The timer worker (services.sla_timers) finds what
is due through `sla_next_check_at`.

A cycle: first response and resolution start when the ticket is created (resolution again
when it is reopened); next response starts when a customer writes after an agent has
answered. An agent's public reply meets first and next response. `waiting` pauses every
running clock (the remaining business minutes are kept in `sla_state.paused`), leaving
`waiting` resumes it, `closed` stops it. Each target is warned and breached once per cycle
(`sla_state.warned` / `.breached`, cleared when the target starts again).

Whatever the targets, the state also records when each clock of the current cycle started
(`started`, ISO instants), when the ticket began waiting (`waiting_since`) and its past
waiting periods (`pauses`, the latest MAX_PAUSES): new targets (`recompute`, when a project
changes its service levels) are applied from those instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models import Ticket
from models.enums import TicketStatus
from services.business_hours import add_minutes, minutes_between
from services.serializers import sla_view
from services.service_levels import TARGETS, Levels, levels_of

COLUMNS = (
    "sla_warn_before_minutes",
    "sla_first_response_due_at",
    "sla_next_response_due_at",
    "sla_resolution_due_at",
    "sla_due_at",
    "sla_next_check_at",
    "sla_state",
)
STOPPED = (TicketStatus.WAITING, TicketStatus.CLOSED)
MAX_PAUSES = 50  # waiting periods kept per ticket (a clock's elapsed time skips them)


def due_column(target: str) -> str:
    return f"sla_{target}_due_at"


def due_times(ticket: Ticket) -> dict[str, datetime | None]:
    return {target: getattr(ticket, due_column(target)) for target in TARGETS}


def state_of(ticket: Ticket) -> dict[str, Any]:
    state = dict(ticket.sla_state or {})
    state.setdefault("warned", [])
    state.setdefault("breached", [])
    state.setdefault("paused", {})
    state["started"] = dict(state.get("started") or {})
    state["pauses"] = list(state.get("pauses") or [])
    return state


async def levels_for(ticket: Ticket) -> Levels:
    return await levels_of(ticket.project_id)


def _start(ticket: Ticket, levels: Levels, state: dict[str, Any], target: str, now: datetime
           ) -> None:
    minutes = levels.targets_for(ticket.priority)[target]
    due = None if minutes is None else add_minutes(levels.target_calendar, now, minutes)
    setattr(ticket, due_column(target), due)
    state["started"].setdefault(target, iso_exact(now))  # a restart sets it before
    state["paused"].pop(target, None)
    for seen in (state["warned"], state["breached"]):
        if target in seen:
            seen.remove(target)


def finish(ticket: Ticket, levels: Levels, state: dict[str, Any]) -> dict[str, Any]:
    """The derived columns (nearest due, next check) set from the due times and state."""
    active = levels.has_targets or ticket.sla_warn_before_minutes is not None
    ticket.sla_warn_before_minutes = levels.warn_before_minutes if active else None
    dues = [due for due in due_times(ticket).values() if due is not None]
    ticket.sla_due_at = min(dues) if dues else None
    checks: list[datetime] = []
    lead = timedelta(minutes=ticket.sla_warn_before_minutes or 0)
    for target, due in due_times(ticket).items():
        if due is None:
            continue
        if target not in state["warned"] and target not in state["breached"]:
            checks.append(due - lead)
        elif target not in state["breached"]:
            checks.append(due)
    if state.get("auto_close_at"):
        checks.append(datetime.fromisoformat(state["auto_close_at"]))
    ticket.sla_next_check_at = min(checks) if checks else None
    ticket.sla_state = {key: value for key, value in state.items() if value not in ([], {})}
    return {column: getattr(ticket, column) for column in COLUMNS}


def on_created(ticket: Ticket, levels: Levels, now: datetime) -> dict[str, Any]:
    """A new ticket: first response and resolution start (set on the unsaved model)."""
    state = state_of(ticket)
    for target in ("first_response", "resolution"):
        state["started"][target] = iso_exact(now)  # recorded with targets or without
        if levels.has_targets:
            _start(ticket, levels, state, target, now)
    return finish(ticket, levels, state)


def on_agent_reply(ticket: Ticket, levels: Levels, now: datetime) -> dict[str, Any]:
    """A public agent reply meets first and next response."""
    state = state_of(ticket)
    for target in ("first_response", "next_response"):
        setattr(ticket, due_column(target), None)
        state["paused"].pop(target, None)
        state["started"].pop(target, None)
    return finish(ticket, levels, state)


def on_customer_message(ticket: Ticket, levels: Levels, now: datetime) -> dict[str, Any] | None:
    """A customer writes while the ticket waits on an agent, after an agent answered: next
    response starts (unless it already runs). None: nothing changes."""
    if (
        ticket.status in STOPPED
        or ticket.first_response_at is None
        or ticket.sla_next_response_due_at is not None
    ):
        return None
    state = state_of(ticket)
    if "next_response" in state["started"]:
        return None  # already running (recorded without a target)
    state["started"]["next_response"] = iso_exact(now)
    if levels.has_targets:
        _start(ticket, levels, state, "next_response", now)
    return finish(ticket, levels, state)


def on_status(
    ticket: Ticket, levels: Levels, before: TicketStatus, to: TicketStatus, now: datetime
) -> dict[str, Any]:
    """Pause on `waiting`, resume when leaving it, stop on `closed`, start resolution again
    on reopening; auto-close is scheduled while the ticket waits on the customer."""
    state = state_of(ticket)
    state.pop("auto_close_at", None)
    calendar = levels.target_calendar
    if before == TicketStatus.WAITING:  # resume what was paused
        for target, remaining in state["paused"].items():
            setattr(ticket, due_column(target), _resume(levels, now, remaining))
        state["paused"] = {}
        since = state.pop("waiting_since", None)
        if since is not None:
            state["pauses"] = [*state["pauses"], [since, iso_exact(now)]][-MAX_PAUSES:]
    if to == TicketStatus.CLOSED:
        for target in TARGETS:
            setattr(ticket, due_column(target), None)
        state["paused"] = {}
        state["started"], state["pauses"] = {}, []
        state.pop("waiting_since", None)
    elif to == TicketStatus.WAITING:
        state["waiting_since"] = iso_exact(now)
        for target, due in due_times(ticket).items():
            if due is not None:
                state["paused"][target] = minutes_between(calendar, now, due)
                setattr(ticket, due_column(target), None)
        auto_close = levels.auto_close
        if auto_close["enabled"]:
            state["auto_close_at"] = iso_exact(now + timedelta(hours=auto_close["after_hours"]))
    elif before == TicketStatus.CLOSED:
        state["started"]["resolution"] = iso_exact(now)
        if levels.has_targets:
            _start(ticket, levels, state, "resolution", now)
    return finish(ticket, levels, state)


def on_priority(
    ticket: Ticket, levels: Levels, before: str, now: datetime
) -> dict[str, Any] | None:
    """A new priority (already on `ticket`) with other targets: each running or paused clock
    moves by the difference, keeping what has elapsed. A target the old priority did not
    have starts now; one the new priority lacks is dropped. None: nothing changes."""
    old, new = levels.targets_for(before), levels.targets_for(ticket.priority)
    if old == new or ticket.status == TicketStatus.CLOSED:
        return None
    state = state_of(ticket)
    calendar = levels.target_calendar
    for target in TARGETS:
        before_minutes, after_minutes = old[target], new[target]
        if before_minutes == after_minutes:
            continue
        due, paused = getattr(ticket, due_column(target)), state["paused"].get(target)
        if after_minutes is None:
            setattr(ticket, due_column(target), None)
            state["paused"].pop(target, None)
        elif before_minutes is None:
            if _would_run(ticket, target):
                _start(ticket, levels, state, target, now)
                if ticket.status == TicketStatus.WAITING:
                    state["paused"][target] = float(after_minutes)
                    setattr(ticket, due_column(target), None)
        elif paused is not None:
            state["paused"][target] = paused + after_minutes - before_minutes
        elif due is not None:
            left = minutes_between(calendar, now, due) + after_minutes - before_minutes
            setattr(ticket, due_column(target), _resume(levels, now, left))
            for seen in (state["warned"], state["breached"]):
                if target in seen:
                    seen.remove(target)
    return finish(ticket, levels, state)


def recompute(ticket: Ticket, before: Levels, levels: Levels, now: datetime) -> dict[str, Any]:
    """An open ticket under a project's new service levels (`before`: the old ones): each
    target's clock counted again from when it started (`started`), skipping the ticket's
    waiting periods, with the new minutes and calendar — a running clock gets its due time,
    a paused one its remaining minutes; a target the new levels lack is dropped, and no
    targets at all clear the ticket's SLA (`sla` null). A target whose due time moves ahead
    of its warning is warned (and breached) again by the timer; auto-close follows the new
    settings. Returns the SLA columns, like the other hooks."""
    state = state_of(ticket)
    if not levels.has_targets:
        ticket.sla_warn_before_minutes = None
    lead = timedelta(minutes=levels.warn_before_minutes)
    for target in TARGETS:
        due, remaining = _recomputed(ticket, before, levels, state, target, now)
        setattr(ticket, due_column(target), due)
        if remaining is None:
            state["paused"].pop(target, None)
        else:
            state["paused"][target] = remaining
        if due is None and remaining is None:
            moment = None
        else:  # a paused clock: as if it resumed now
            moment = due if due is not None else now + timedelta(minutes=remaining or 0)
        for seen, keep in ((state["warned"], lambda m: m - lead <= now),
                           (state["breached"], lambda m: m <= now)):
            if target in seen and (moment is None or not keep(moment)):
                seen.remove(target)
    _auto_close_again(ticket, levels, state)
    return finish(ticket, levels, state)


def _recomputed(
    ticket: Ticket, before: Levels, levels: Levels, state: dict[str, Any], target: str,
    now: datetime,
) -> tuple[datetime | None, float | None]:
    """(due time, paused remaining minutes) of one target under `levels`."""
    minutes = levels.targets_for(ticket.priority)[target]
    if minutes is None or ticket.status == TicketStatus.CLOSED:
        return None, None
    recorded = state["started"].get(target)
    old = before.targets_for(ticket.priority)[target]
    ran = getattr(ticket, due_column(target)) is not None or target in state["paused"]
    if recorded is None and old is not None and ran:
        return _moved(ticket, before, levels, state, target, now, minutes, old)
    start = datetime.fromisoformat(recorded) if recorded else _derived_start(ticket, state, target)
    if start is None:
        return None, None
    calendar = levels.target_calendar
    pauses = [
        (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in state["pauses"]
    ]
    if ticket.status == TicketStatus.WAITING:
        since = state.get("waiting_since")
        until = datetime.fromisoformat(since) if since else _aware(ticket.last_agent_message_at)
        spent = _spent(calendar, start, until or now, pauses)
        return None, float(minutes) - spent
    if not any(end > start for _, end in pauses):
        return add_minutes(calendar, start, minutes), None
    return _resume(levels, now, minutes - _spent(calendar, start, now, pauses)), None


def _derived_start(ticket: Ticket, state: dict[str, Any], target: str) -> datetime | None:
    """When a clock without a recorded start started, from the ticket's columns; None when
    it does not run. Next response is recorded only while the project has service levels
    on: otherwise it runs since the customer wrote after the latest agent answer (the latest
    customer message: the first one after the answer is not kept). First response and
    resolution are recorded for every ticket since `started` exists: only an older ticket
    (nothing recorded) falls back on its creation."""
    if target == "next_response":
        customer, agent = ticket.last_customer_message_at, ticket.last_agent_message_at
        if (
            ticket.status in STOPPED
            or ticket.first_response_at is None
            or customer is None
            or agent is None
            or customer <= agent
        ):
            return None
        return _aware(customer)
    if state["started"]:
        return None  # recorded, and this one is not running (met)
    if target == "first_response" and ticket.first_response_at is not None:
        return None
    return _aware(ticket.created_at)


def _moved(
    ticket: Ticket, before: Levels, levels: Levels, state: dict[str, Any], target: str,
    now: datetime, minutes: int, old: int,
) -> tuple[datetime | None, float | None]:
    """A clock that ran under the old target with no recorded start (a ticket from before
    the instants were recorded): it moves by the difference, keeping what elapsed."""
    due, paused = getattr(ticket, due_column(target)), state["paused"].get(target)
    if paused is not None:
        return None, float(paused) + minutes - old
    if due is None:
        return None, None
    left = minutes_between(before.target_calendar, now, due) + minutes - old
    return _resume(levels, now, left), None


def _spent(
    calendar: Any, start: datetime, until: datetime, pauses: list[tuple[datetime, datetime]]
) -> float:
    """Business minutes from `start` to `until`, the waiting periods left out."""
    total = minutes_between(calendar, start, until)
    for begin, end in pauses:
        begin, end = max(begin, start), min(end, until)
        if end > begin:
            total -= minutes_between(calendar, begin, end)
    return total


def _auto_close_again(ticket: Ticket, levels: Levels, state: dict[str, Any]) -> None:
    """A waiting ticket's auto-close under the new settings (counted from when it began
    waiting, else kept as it was); none while auto-close is off."""
    auto_close = levels.auto_close
    if not auto_close["enabled"] or ticket.status != TicketStatus.WAITING:
        state.pop("auto_close_at", None)
        return
    since = state.get("waiting_since")
    if since is not None:
        at = datetime.fromisoformat(since) + timedelta(hours=auto_close["after_hours"])
        state["auto_close_at"] = iso_exact(at)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _would_run(ticket: Ticket, target: str) -> bool:
    """Whether a target without a clock would be running now had it existed."""
    if target == "first_response":
        return ticket.first_response_at is None
    return target == "resolution"


def _resume(levels: Levels, now: datetime, remaining: float) -> datetime:
    if remaining <= 0:  # already overdue when paused: overdue by as much again
        return now + timedelta(minutes=remaining)
    return add_minutes(levels.target_calendar, now, remaining)


def reopen_window_passed(ticket: Ticket, levels: Levels, now: datetime) -> bool:
    """A closed ticket a customer writes in too long after: the message starts a new ticket
    (with auto-close on; `reopen_window_days` after closing)."""
    auto_close = levels.auto_close
    return (
        auto_close["enabled"]
        and ticket.status == TicketStatus.CLOSED
        and ticket.closed_at is not None
        and now - ticket.closed_at > timedelta(days=auto_close["reopen_window_days"])
    )


def iso_exact(value: datetime) -> str:
    return value.isoformat()


def ticket_sla(ticket: Ticket) -> dict[str, Any] | None:
    return sla_view(ticket.sla_warn_before_minutes, due_times(ticket), ticket.sla_state)
