"""Ticket reads: the REST list and details, a customer's tickets in the bots."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from models import Message, Project, Ticket
from models.enums import Channel, Priority, TicketStatus
from services import clock, ratings, sql
from services.business_hours import local_time
from services.errors import NotFound
from services.serializers import SLA_TARGETS, row_iso, summary_from_row, ticket_details
from services.service_levels import levels_of, timezone_of
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


async def sla_due_times(ticket: Ticket) -> dict[str, str]:
    """The ticket's running due times (`first_response` …) as the project's wall clock with
    its zone ("2026-12-07 09:30 MSK"; UTC for a project without a time zone)."""
    dues = {target: getattr(ticket, f"sla_{target}_due_at") for target in SLA_TARGETS}
    if all(due is None for due in dues.values()):
        return {}
    zone = await timezone_of(ticket.project_id)
    return {target: local_time(due, zone) for target, due in dues.items() if due is not None}


_DUE = Ticket._meta.fields_map["sla_due_at"]
_COUNTER = "SELECT ticket_counter FROM projects WHERE id = $1"
SUMMARY_COLUMNS = (
    "t.id, t.number, t.status, t.priority, t.channel, t.ticket_type_id, t.subject,"
    " t.assignee_id, t.subscriber_id, t.created_at, t.updated_at,"
    " tt.name AS ticket_type_name, a.name AS assignee_name,"
    " t.sla_warn_before_minutes, t.sla_first_response_due_at, t.sla_next_response_due_at,"
    " t.sla_resolution_due_at, t.sla_state"
)
SLA_FILTERS = ("warning", "breached")
SORTS = ("created", "due")
PROJECT_FILTER = "t.project_id = $1"  # every list's first condition (ticket_filters)

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
    sla: str | None = None,
    sort: str = "created",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the project's tickets, newest first, as plain ticket summaries, and how many
    match: one joined statement for the page (no models built), so a page of 50 costs about
    what the SQL costs. `sla`: warning|breached (by the nearest due time, `sla_due_at`);
    `sort="due"`: nearest due time first, tickets without one last."""
    where, args = await ticket_filters(
        project, statuses=statuses, assigned_to=assigned_to, channel=channel, sla=sla
    )
    condition = " AND ".join(where)
    order = "t.created_at DESC, t.number DESC"
    if sort == "due":
        order = f"t.sla_due_at IS NULL, t.sla_due_at, {order}"
    n = len(args)
    filtered = len(where) > 1
    # Unfiltered, the total rides along with the page as a scalar subquery (evaluated once):
    # tickets are never deleted and numbers are gap-free (taken in the creating transaction),
    # so the project's counter is its exact ticket count — without counting 100,000 rows.
    total_column = "" if filtered else f"({_COUNTER}) AS total, "
    rows = await sql.fetch(
        f"SELECT {total_column}{SUMMARY_COLUMNS} FROM tickets t{SUMMARY_JOINS}"
        f" WHERE {condition} ORDER BY {order}"
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


@dataclass(frozen=True)
class InboxFilters:
    """The console inbox's filters (empty: everything)."""

    statuses: Sequence[TicketStatus] = ()
    assigned_to: uuid.UUID | None = None
    unassigned: bool = False
    channel: Channel | None = None
    priority: Priority | None = None
    ticket_type_id: uuid.UUID | None = None
    sla: str | None = None  # one of SLA_FILTERS
    q: str | None = None  # search words (services.search.query_terms)


@dataclass(frozen=True)
class InboxPage:
    tickets: list[dict[str, Any]]
    next_before: int | None  # the keyset cursor of the next page (a ticket number), or None


def _inbox_conditions(project: Project, filters: InboxFilters) -> tuple[list[str], list[Any]]:
    where = ["t.project_id = $1"]
    args: list[Any] = [project.id]

    def add(condition: str, value: Any) -> None:
        args.append(value)
        where.append(condition.replace("?", f"${len(args)}"))

    if filters.statuses:
        marks = []
        for status in filters.statuses:
            args.append(str(TicketStatus(status)))
            marks.append(f"${len(args)}")
        where.append(f"t.status IN ({', '.join(marks)})")
    if filters.unassigned:
        where.append("t.assignee_id IS NULL")
    elif filters.assigned_to is not None:
        add("t.assignee_id = ?", filters.assigned_to)
    if filters.channel is not None:
        add("t.channel = ?", str(Channel(filters.channel)))
    if filters.priority is not None:
        add("t.priority = ?", str(Priority(filters.priority)))
    if filters.ticket_type_id is not None:
        add("t.ticket_type_id = ?", filters.ticket_type_id)
    return where, args


async def inbox_page(
    project: Project, filters: InboxFilters, *, before: int | None = None, limit: int = 50
) -> InboxPage:
    """A page of the console inbox, newest first: ticket summaries plus the customer's name
    and the last message's time. Keyset-paged by ticket number (numbers grow with creation
    time), so the 2,000th page costs what the first does; no total is counted."""
    where, args = _inbox_conditions(project, filters)
    if filters.sla is not None:
        where.extend(await _sla_condition(project, filters.sla, args))
    matched = ""
    if filters.q is not None:
        from services import search  # it builds on this module

        terms = search.query_terms(filters.q)
        if not terms:
            return InboxPage([], None)
        cte, values = await search.matched_tickets(project, terms, len(args) + 1)
        args.extend(values)
        matched = f"WITH {cte} "
        where.append("t.id IN (SELECT id FROM matched)")
    if before is not None:
        args.append(before)
        where.append(f"t.number < ${len(args)}")
    args.append(limit + 1)
    rows = await sql.fetch(
        f"{matched}SELECT {SUMMARY_COLUMNS}, t.customer_first_name, t.customer_username,"
        " t.last_customer_message_at, t.last_agent_message_at FROM tickets t"
        " LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id"
        " LEFT JOIN agents a ON a.id = t.assignee_id"
        f" WHERE {' AND '.join(where)} ORDER BY t.number DESC LIMIT ${len(args)}",
        *args,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    found = []
    for row in rows:
        summary = summary_from_row(row)
        times = [
            time
            for key in ("last_customer_message_at", "last_agent_message_at")
            if (time := row_iso(row[key])) is not None
        ]
        summary["customer"] = {
            "first_name": row["customer_first_name"],
            "username": row["customer_username"],
        }
        summary["last_message_at"] = max(times) if times else summary["created_at"]
        found.append(summary)
    return InboxPage(found, rows[-1]["number"] if more and rows else None)


_ACTIVE_COUNT = " UNION ALL ".join(
    f"SELECT '{status}' AS status, COUNT(*) AS n FROM tickets"
    f" WHERE project_id = $1 AND status = '{status}'"
    for status in ACTIVE_STATUSES
)
_COUNTS_CACHE: dict[uuid.UUID, tuple[str, dict[str, int]]] = {}
_COUNTS_CACHE_SIZE = 1_000


async def status_counts(project: Project, *, stamp: str | None = None) -> dict[str, int]:
    """How many of the project's tickets are in each status (every status present).

    Active statuses are counted (one index-only count each); closed ones are the rest of
    the project's counter (tickets are never deleted, numbers are gap-free), so the many
    closed tickets are never counted. With the inbox `stamp` the counts are reused until a
    ticket of the project changes (this process remembers the last counts per project)."""
    if stamp is not None:
        cached = _COUNTS_CACHE.get(project.id)
        if cached is not None and cached[0] == stamp:
            return dict(cached[1])
    rows = await sql.fetch(
        f"{_ACTIVE_COUNT} UNION ALL SELECT 'all' AS status, ticket_counter AS n"
        " FROM projects WHERE id = $1",
        project.id,
    )
    found = {str(row["status"]): int(row["n"]) for row in rows}
    counts = {str(status): found.get(str(status), 0) for status in ACTIVE_STATUSES}
    counts[str(TicketStatus.CLOSED)] = max(0, found.get("all", 0) - sum(counts.values()))
    if stamp is not None:
        if len(_COUNTS_CACHE) >= _COUNTS_CACHE_SIZE:
            _COUNTS_CACHE.clear()
        _COUNTS_CACHE[project.id] = (stamp, counts)
    return dict(counts)


async def inbox_stamp(project: Project) -> str:
    """Changes whenever a ticket of the project is created or changed (a message, a status):
    the console's live refresh polls it and reloads the page only when it moved."""
    row = await sql.fetch_one(
        "SELECT MAX(updated_at) AS at, (SELECT ticket_counter FROM projects WHERE id = $1) AS n"
        " FROM tickets WHERE project_id = $1",
        project.id,
    )
    if row is None or row["at"] is None:
        return "0"
    return f"{row['n']}:{row_iso(row['at'])}"


async def ticket_stamp(project: Project, ticket_id: object) -> str:
    """Changes when the ticket or its thread changes (a new message, an edit, a status)."""
    row = await sql.fetch_one(
        "SELECT t.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = t.id) AS n,"
        " (SELECT MAX(m.edited_at) FROM messages m WHERE m.ticket_id = t.id) AS e"
        " FROM tickets t WHERE t.id = $1 AND t.project_id = $2",
        parse_uuid(ticket_id, what="ticket"),
        project.id,
    )
    if row is None:
        raise NotFound("ticket not found")
    return f"{row['n']}:{row_iso(row['updated_at'])}:{row_iso(row['e']) or ''}"


async def customer_other_tickets(ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """The same customer's other tickets (the console's ticket page), newest first."""
    if ticket.subscriber_id is None:
        return []
    found = (
        await Ticket.filter(subscriber_id=ticket.subscriber_id, project_id=ticket.project_id)
        .exclude(id=ticket.id)
        .order_by("-number")
        .limit(limit)
    )
    return list(found)


async def stored_attachment(
    project: Project, ticket_id: object, message_id: object, index: int
) -> dict[str, Any]:
    """One attachment of a message of the project's ticket, as stored (with its file id),
    for the console to fetch; another project's → NotFound."""
    message = await Message.get_or_none(
        id=parse_uuid(message_id, what="message"),
        ticket_id=parse_uuid(ticket_id, what="ticket"),
        ticket__project_id=project.id,
    )
    items = (message.attachments or []) if message is not None else []
    if not 0 <= index < len(items):
        raise NotFound("attachment not found")
    return dict(items[index])


async def _sla_condition(project: Project, sla: str, args: list[Any]) -> list[str]:
    """`breached`: a due time passed (or a paused clock already overdue would show only on
    resume); `warning`: the nearest due time within the project's lead time, not passed."""
    now = clock.now()
    args.append(_DUE.to_db_value(now, Ticket))
    if sla == "breached":
        return [f"t.sla_due_at <= ${len(args)}"]
    levels = await levels_of(project.id)
    args.append(_DUE.to_db_value(now + timedelta(minutes=levels.warn_before_minutes), Ticket))
    return [f"t.sla_due_at > ${len(args) - 1}", f"t.sla_due_at <= ${len(args)}"]


async def ticket_filters(
    project: Project,
    *,
    statuses: Sequence[TicketStatus] = (),
    assigned_to: uuid.UUID | None = None,
    channel: Channel | None = None,
    sla: str | None = None,
) -> tuple[list[str], list[Any]]:
    """The list filters as conditions on `tickets t` (joined with AND) and their values,
    `$1` being the project's id (services.search adds its own after these)."""
    where = [PROJECT_FILTER]
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
    if sla is not None:
        where.extend(await _sla_condition(project, sla, args))
    return where, args


async def get_ticket(project: Project, ticket_id: object) -> tuple[Ticket, list[Message]]:
    tid = parse_uuid(ticket_id, what="ticket")
    ticket = await Ticket.filter(id=tid, project_id=project.id).first()
    if ticket is None:
        raise NotFound("ticket not found")
    await load(ticket)
    messages = await Message.filter(ticket_id=ticket.id).order_by("created_at", "id")
    return ticket, list(messages)


async def ticket_details_view(project: Project, ticket_id: object) -> dict[str, Any]:
    """The REST ticket details: the ticket, its messages and its latest rating."""
    ticket, messages = await get_ticket(project, ticket_id)
    return {**ticket_details(ticket, messages), "rating": await ratings.ticket_rating(ticket.id)}


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
