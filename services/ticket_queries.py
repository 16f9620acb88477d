"""Ticket reads: the REST list and details, a customer's tickets in the bots."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from models import Message, Project, Ticket
from models.enums import Channel, TicketStatus
from services import sql
from services.errors import NotFound
from services.serializers import summary_from_row
from services.validation import parse_uuid

ACTIVE_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
)


async def load(ticket: Ticket) -> Ticket:
    """Fetch what the summary shows (type and assignee)."""
    await ticket.fetch_related("ticket_type", "assignee")
    return ticket


_COUNTER = "SELECT ticket_counter FROM projects WHERE id = $1"
SUMMARY_COLUMNS = (
    "t.id, t.number, t.status, t.priority, t.channel, t.ticket_type_id, t.subject,"
    " t.assignee_id, t.subscriber_id, t.created_at, t.updated_at,"
    " tt.name AS ticket_type_name, a.name AS assignee_name"
)
SUMMARY_JOINS = (
    " LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id"
    " LEFT JOIN agents a ON a.id = t.assignee_id"
)


async def list_ticket_summaries(
    project: Project,
    *,
    statuses: Sequence[TicketStatus] = (),
    assigned_to: uuid.UUID | None = None,
    channel: Channel | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the project's tickets, newest first, as plain ticket summaries, and how many
    match: one joined statement for the page (no models built), so a page of 50 costs about
    what the SQL costs."""
    where, args = ticket_filters(
        project, statuses=statuses, assigned_to=assigned_to, channel=channel
    )
    condition = " AND ".join(where)
    n = len(args)
    filtered = len(where) > 1
    # Unfiltered, the total rides along with the page as a scalar subquery (evaluated once):
    # tickets are never deleted and numbers are gap-free (taken in the creating transaction),
    # so the project's counter is its exact ticket count — without counting 100,000 rows.
    total_column = "" if filtered else f"({_COUNTER}) AS total, "
    rows = await sql.fetch(
        f"SELECT {total_column}{SUMMARY_COLUMNS} FROM tickets t{SUMMARY_JOINS}"
        f" WHERE {condition} ORDER BY t.created_at DESC, t.number DESC"
        f" LIMIT ${n + 1} OFFSET ${n + 2}",
        *args,
        limit,
        offset,
    )
    if filtered:
        counted = await sql.fetch_one(
            f"SELECT COUNT(*) AS n FROM tickets t WHERE {condition}", *args
        )
        total = int(counted["n"]) if counted else 0
    elif rows:
        total = int(rows[0]["total"])
    else:  # past the last page: no row to carry the total
        counter = await sql.fetch_one(_COUNTER, project.id)
        total = int(counter["ticket_counter"]) if counter else 0
    return [summary_from_row(row) for row in rows], total


def ticket_filters(
    project: Project,
    *,
    statuses: Sequence[TicketStatus] = (),
    assigned_to: uuid.UUID | None = None,
    channel: Channel | None = None,
) -> tuple[list[str], list[Any]]:
    """The list filters as conditions on `tickets t` (joined with AND) and their values,
    `$1` being the project's id (services.search adds its own after these)."""
    where = ["t.project_id = $1"]
    args: list[Any] = [project.id]
    if statuses:
        marks = []
        for status in statuses:
            args.append(str(TicketStatus(status)))
            marks.append(f"${len(args)}")
        where.append(f"t.status IN ({', '.join(marks)})")
    if assigned_to is not None:
        args.append(assigned_to)
        where.append(f"t.assignee_id = ${len(args)}")
    if channel is not None:
        args.append(str(Channel(channel)))
        where.append(f"t.channel = ${len(args)}")
    return where, args


async def get_ticket(project: Project, ticket_id: object) -> tuple[Ticket, list[Message]]:
    tid = parse_uuid(ticket_id, what="ticket")
    ticket = await Ticket.filter(id=tid, project_id=project.id).first()
    if ticket is None:
        raise NotFound("ticket not found")
    await load(ticket)
    messages = await Message.filter(ticket_id=ticket.id).order_by("created_at", "id")
    return ticket, list(messages)


async def subscriber_tickets(
    subscriber_id: uuid.UUID, *, limit: int = 10, offset: int = 0
) -> tuple[list[Ticket], int]:
    """A customer's tickets, active ones first, newest first within each group."""
    query = Ticket.filter(subscriber_id=subscriber_id)
    total = await query.count()
    active = await query.filter(status__in=list(ACTIVE_STATUSES)).order_by("-created_at")
    closed = await query.filter(status=TicketStatus.CLOSED).order_by("-created_at")
    ordered = [*active, *closed][offset : offset + limit]
    for ticket in ordered:
        await load(ticket)
    return ordered, total


async def count_active(subscriber_id: uuid.UUID) -> int:
    return await Ticket.filter(
        subscriber_id=subscriber_id, status__in=list(ACTIVE_STATUSES)
    ).count()
