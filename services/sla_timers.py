"""The SLA timer: warnings, breaches and auto-closes that have come due.

One indexed query per tick finds the tickets whose `sla_next_check_at` has passed; each is
then claimed in its own transaction by re-reading it row-locked *with the same
`sla_next_check_at`* (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so a second worker skips a row
the first holds and, once it commits, no longer matches it; SQLite: one writer at a time).
Whatever fires — the webhook, the agent-chat message, the close — is written in that
transaction together with the ticket's next check, so a killed worker loses nothing (the
transaction rolls back, the row stays due) and two workers never double anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import Ticket
from models.enums import TicketStatus
from services import clock, notifications, outbox, sla, sql, ticket_queries
from services.serializers import iso
from services.service_levels import TARGETS, Levels
from services.tickets import set_status

BATCH = 200
SLA_ALERT = "sla_alert"  # agent event: payload kind (warning|breached), target, due_at
_NEXT_CHECK = Ticket._meta.fields_map["sla_next_check_at"]
# the tick's one query: served by the index on sla_next_check_at
DUE_QUERY = (
    "SELECT id, sla_next_check_at FROM tickets WHERE sla_next_check_at <= $1"
    " ORDER BY sla_next_check_at LIMIT $2"
)


@dataclass
class TickReport:
    warnings: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    breaches: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    closed: list[uuid.UUID] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.warnings) + len(self.breaches) + len(self.closed)


async def due_tickets(now: datetime, limit: int = BATCH) -> list[dict[str, Any]]:
    return await sql.fetch(DUE_QUERY, _NEXT_CHECK.to_db_value(now, Ticket), limit)


async def run_due(limit: int = BATCH) -> TickReport:
    """One tick: every ticket due now (up to `limit`) handled in its own transaction."""
    now = clock.now()
    report = TickReport()
    levels: dict[uuid.UUID, Levels] = {}  # per project, read once a tick
    for row in await due_tickets(now, limit):
        await _handle(row["id"], row["sla_next_check_at"], now, report, levels)
    return report


async def _handle(
    ticket_id: Any,
    seen_check: Any,
    now: datetime,
    report: TickReport,
    known_levels: dict[uuid.UUID, Levels],
) -> None:
    async with in_transaction():
        if not isinstance(seen_check, datetime):
            seen_check = _NEXT_CHECK.to_python_value(seen_check)
        ticket = (
            await Ticket.filter(id=ticket_id, sla_next_check_at=seen_check)
            .select_for_update(skip_locked=True)
            .first()
        )
        if ticket is None:
            return  # another worker has it, or the ticket changed since the scan
        await ticket_queries.load(ticket)
        levels = known_levels.get(ticket.project_id)
        if levels is None:
            levels = known_levels[ticket.project_id] = await sla.levels_for(ticket)
        state = sla.state_of(ticket)
        close_at = state.get("auto_close_at")
        if close_at and datetime.fromisoformat(close_at) <= now:
            if ticket.status == TicketStatus.WAITING:
                await _auto_close(ticket, levels)
                report.closed.append(ticket.id)
                return
            state.pop("auto_close_at")
        await _alerts(ticket, levels, state, now, report)
        changes = sla.finish(ticket, levels, state)
        await Ticket.filter(id=ticket.id).update(**changes)


async def _alerts(
    ticket: Ticket, levels: Levels, state: dict[str, Any], now: datetime, report: TickReport
) -> None:
    lead = timedelta(minutes=ticket.sla_warn_before_minutes or 0)
    for target in TARGETS:
        due = getattr(ticket, sla.due_column(target))
        if due is None or target in state["breached"]:
            continue
        if due <= now:
            kind, event, found = "breached", outbox.TICKET_SLA_BREACHED, report.breaches
            state["breached"].append(target)
        elif due - lead <= now and target not in state["warned"]:
            kind, event, found = "warning", outbox.TICKET_SLA_WARNING, report.warnings
            state["warned"].append(target)
        else:
            continue
        if target not in state["warned"]:
            state["warned"].append(target)
        found.append((ticket.id, target))
        await outbox.record_event(ticket, event, target=target, due_at=iso(due))
        await notifications.notify_agents(
            ticket, SLA_ALERT, data={"kind": kind, "target": target, "due_at": iso(due)}
        )


async def _auto_close(ticket: Ticket, levels: Levels) -> None:
    """Closed after waiting on the customer too long: a farewell saying how to reopen."""
    auto_close = levels.auto_close
    farewell = auto_close["text"]
    if farewell is None:
        t = await notifications.customer_translator(ticket)
        farewell = t("sla-auto-closed", number=ticket.number,
                     days=auto_close["reopen_window_days"])
    await set_status(ticket, TicketStatus.CLOSED, reason="auto", farewell=farewell)
