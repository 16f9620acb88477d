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
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from models import Subscriber, Ticket
from models.enums import Channel, TicketStatus
from services import notifications
from services.business_hours import add_minutes, minutes_between, next_opening
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


def due_column(target: str) -> str:
    return f"sla_{target}_due_at"


def due_times(ticket: Ticket) -> dict[str, datetime | None]:
    return {target: getattr(ticket, due_column(target)) for target in TARGETS}


def state_of(ticket: Ticket) -> dict[str, Any]:
    state = dict(ticket.sla_state or {})
    state.setdefault("warned", [])
    state.setdefault("breached", [])
    state.setdefault("paused", {})
    return state


async def levels_for(ticket: Ticket) -> Levels:
    return await levels_of(ticket.project_id)


def _start(ticket: Ticket, levels: Levels, state: dict[str, Any], target: str, now: datetime
           ) -> None:
    minutes = levels.targets_for(ticket.priority)[target]
    due = None if minutes is None else add_minutes(levels.target_calendar, now, minutes)
    setattr(ticket, due_column(target), due)
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
    if not levels.has_targets:
        return finish(ticket, levels, state)
    _start(ticket, levels, state, "first_response", now)
    _start(ticket, levels, state, "resolution", now)
    return finish(ticket, levels, state)


def on_agent_reply(ticket: Ticket, levels: Levels, now: datetime) -> dict[str, Any]:
    """A public agent reply meets first and next response."""
    state = state_of(ticket)
    for target in ("first_response", "next_response"):
        setattr(ticket, due_column(target), None)
        state["paused"].pop(target, None)
    return finish(ticket, levels, state)


def on_customer_message(ticket: Ticket, levels: Levels, now: datetime) -> dict[str, Any] | None:
    """A customer writes while the ticket waits on an agent, after an agent answered: next
    response starts (unless it already runs). None: nothing changes."""
    if (
        not levels.has_targets
        or ticket.status in STOPPED
        or ticket.first_response_at is None
        or ticket.sla_next_response_due_at is not None
    ):
        return None
    state = state_of(ticket)
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
    if to == TicketStatus.CLOSED:
        for target in TARGETS:
            setattr(ticket, due_column(target), None)
        state["paused"] = {}
    elif to == TicketStatus.WAITING:
        for target, due in due_times(ticket).items():
            if due is not None:
                state["paused"][target] = minutes_between(calendar, now, due)
                setattr(ticket, due_column(target), None)
        auto_close = levels.auto_close
        if auto_close["enabled"]:
            state["auto_close_at"] = iso_exact(now + timedelta(hours=auto_close["after_hours"]))
    elif before == TicketStatus.CLOSED and levels.has_targets:
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


async def out_of_hours_reply(
    ticket: Ticket, levels: Levels, now: datetime, *, subscriber: Subscriber | None = None
) -> bool:
    """Outside business hours, once per ticket per closed period (named by when it ends):
    the customer is told when the team is back. Whether it was sent."""
    reply = levels.out_of_hours_reply
    calendar = levels.calendar
    if not reply["enabled"] or calendar.always_open or ticket.channel == Channel.VIRTUAL:
        return False
    opening = next_opening(calendar, now)
    if opening == now:
        return False
    state = dict(ticket.sla_state or {})
    period = opening.isoformat()
    if state.get("out_of_hours_until") == period:
        return False
    state["out_of_hours_until"] = period
    ticket.sla_state = state
    await Ticket.filter(id=ticket.id).update(sla_state=state)
    back_at = f"{opening.astimezone(calendar.tz):%Y-%m-%d %H:%M} ({calendar.tz.key})"
    text = reply["text"].replace("{back_at}", back_at) if reply["text"] else None
    await notifications.notify_customer(
        ticket, "sla-out-of-hours", text=text, back_at=back_at, subscriber=subscriber
    )
    return True


def ticket_sla(ticket: Ticket) -> dict[str, Any] | None:
    return sla_view(ticket.sla_warn_before_minutes, due_times(ticket), ticket.sla_state)
