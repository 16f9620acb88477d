"""Ticket use cases: the same functions serve the REST API, both bots and the agent chat."""

from __future__ import annotations

import copy
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tortoise import timezone
from tortoise.transactions import in_transaction

from models import Agent, Message, OutboxEvent, Project, Subscriber, Ticket, TicketType
from models.enums import Author, Channel, MessageSource, Priority, TicketStatus
from services import clock, notifications, outbox, sql
from services.errors import (
    HelpdeskDisabled,
    NotFound,
    TicketClosed,
    ValidationFailed,
    WrongChannel,
)
from services.serializers import agent_ref, message_view, summary_from_row
from services.validation import (
    check_subject,
    check_text,
    field_uuid,
    invalid,
    parse_uuid,
)

SETTABLE_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.CLOSED,
)
ACTIVE_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
)

# statuses a customer's message changes: closed → open, waiting → in progress
CHANGED_BY_CUSTOMER = (TicketStatus.CLOSED, TicketStatus.WAITING)


@dataclass
class NewTicket:
    text: str
    subject: str | None = None
    channel: Channel = Channel.VIRTUAL
    chat_id: int | None = None
    first_name: str | None = None
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    ticket_type_id: uuid.UUID | str | None = None
    source: MessageSource = MessageSource.API
    attachments: list[dict[str, Any]] = field(default_factory=list)
    customer_message_id: str | None = None


def ensure_helpdesk_enabled(project: Project) -> None:
    """The project's helpdesk is switched on (the REST API checks this on every call)."""
    if not project.helpdesk_enabled:
        raise HelpdeskDisabled("the helpdesk is disabled for this project")


async def load(ticket: Ticket) -> Ticket:
    """Fetch what the summary shows (type and assignee)."""
    await ticket.fetch_related("ticket_type", "assignee")
    return ticket


async def _locked(
    project_id: uuid.UUID | None,
    ticket_id: object,
    *,
    subscriber_id: uuid.UUID | None = None,
    with_project: bool = False,
) -> Ticket:
    """The ticket of this project (or of this subscriber), row-locked until the transaction
    ends (PostgreSQL), with what the summary shows — and its project when asked — read in
    the same statement (only the ticket row is locked)."""
    tid = parse_uuid(ticket_id, what="ticket")
    query = Ticket.filter(id=tid)
    if project_id is not None:
        query = query.filter(project_id=project_id)
    if subscriber_id is not None:
        query = query.filter(subscriber_id=subscriber_id)
    related = ["ticket_type", "assignee"]
    if with_project:
        related.append("project")
    ticket = (
        await query.select_related(*related).select_for_update(of=(Ticket._meta.db_table,)).first()
    )
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket


_UPDATED_AT = Ticket._meta.fields_map["updated_at"]
_CREATED_AT = Message._meta.fields_map["created_at"]
_TOUCH_SET = "SET last_customer_message_at = $1, updated_at = $1 WHERE id = $2"


@lru_cache(maxsize=1)
def _touch_columns() -> str:
    # built on first use: foreign-key columns exist only once Tortoise is initialised
    return ", ".join(
        (
            sql.columns(Ticket, "t", "t_"),
            sql.columns(TicketType, "tt", "tt_"),
            sql.columns(Agent, "a", "a_"),
            sql.columns(Project, "p", "p_"),
        )
    )


_TOUCH_JOINS = (
    " LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id"
    " LEFT JOIN agents a ON a.id = t.assignee_id"
    " JOIN projects p ON p.id = t.project_id"
)


def _touch_filters(project: bool, subscriber: bool, alias: str) -> str:
    where = ""
    if project:
        where += f" AND {alias}project_id = $3"
    if subscriber:
        where += f" AND {alias}subscriber_id = ${4 if project else 3}"
    return where


def _split_row(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    n = len(prefix)
    return {k[n:]: v for k, v in row.items() if k.startswith(prefix)}


async def _touched_by_customer(
    project_id: uuid.UUID | None,
    ticket_id: object,
    subscriber_id: uuid.UUID | None,
    now: Any,
) -> Ticket:
    """`_locked(…, with_project=True)` for a customer message, with the ticket's
    `last_customer_message_at` / `updated_at` set to `now` in the same statement on
    PostgreSQL (the UPDATE locks the row until the transaction ends; `… RETURNING` joined
    with the type, assignee and project). On SQLite: the UPDATE, then the joined SELECT."""
    tid = parse_uuid(ticket_id, what="ticket")
    args: list[Any] = [_UPDATED_AT.to_db_value(now, Ticket), tid]
    if project_id is not None:
        args.append(project_id)
    if subscriber_id is not None:
        args.append(subscriber_id)
    has_project, has_subscriber = project_id is not None, subscriber_id is not None
    if sql.dialect() == "sqlite":
        await sql.fetch(
            f"UPDATE tickets {_TOUCH_SET}{_touch_filters(has_project, has_subscriber, '')}",
            *args,
        )
        row = await sql.fetch_one(
            f"SELECT {_touch_columns()} FROM tickets t{_TOUCH_JOINS}"
            f" WHERE t.id = $2{_touch_filters(has_project, has_subscriber, 't.')}",
            *args,
        )
    else:
        row = await sql.fetch_one(
            f"WITH t AS (UPDATE tickets {_TOUCH_SET}"
            f"{_touch_filters(has_project, has_subscriber, '')} RETURNING *)"
            f" SELECT {_touch_columns()} FROM t{_TOUCH_JOINS}",
            *args,
        )
    if row is None:
        raise NotFound("ticket not found")
    return _ticket_from_row(row)


def _ticket_from_row(row: dict[str, Any]) -> Ticket:
    """The ticket with its type, assignee and project from a `_touch_columns()` row."""
    ticket = Ticket._init_from_db(**_split_row(row, "t_"))
    type_row = _split_row(row, "tt_")
    ticket.ticket_type = (
        TicketType._init_from_db(**type_row) if type_row["id"] is not None else None
    )
    agent_row = _split_row(row, "a_")
    ticket.assignee = Agent._init_from_db(**agent_row) if agent_row["id"] is not None else None
    ticket.project = Project._init_from_db(**_split_row(row, "p_"))
    return ticket


async def active_type(project_id: uuid.UUID, type_id: object) -> TicketType:
    tid = field_uuid(type_id, "ticket_type_id")
    ticket_type = await TicketType.get_or_none(id=tid, project_id=project_id, active=True)
    if ticket_type is None:
        raise invalid("ticket_type_id", "is not an active ticket type of this project")
    return ticket_type


async def ensure_subscriber(
    project_id: uuid.UUID,
    channel: Channel,
    chat_id: int,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> Subscriber:
    """The chat's subscriber in the project, created (or unblocked, refreshed) as needed."""
    subscriber, created = await Subscriber.get_or_create(
        project_id=project_id,
        channel=channel,
        chat_id=chat_id,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
        },
    )
    if not created:
        changes: dict[str, Any] = {"blocked": False}
        for name, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None and getattr(subscriber, name) != value:
                changes[name] = value
        if len(changes) > 1 or subscriber.blocked:
            await Subscriber.filter(id=subscriber.id).update(**changes)
            for name, value in changes.items():
                setattr(subscriber, name, value)
    return subscriber


_TAKE_NUMBER = (
    "UPDATE projects SET ticket_counter = ticket_counter + 1 WHERE id = $1"
    " RETURNING ticket_counter, agent_chat_id"
)


async def create_ticket(project: Project, new: NewTicket) -> Ticket:
    text = check_text(new.text, allow_empty=bool(new.attachments))
    subject = check_subject(new.subject)
    channel = Channel(new.channel)
    if channel != Channel.VIRTUAL and new.chat_id is None:
        raise invalid("chat_id", f"is required for channel {channel}")
    async with in_transaction():
        ticket_type = (
            await active_type(project.id, new.ticket_type_id) if new.ticket_type_id else None
        )
        subscriber = None
        if channel != Channel.VIRTUAL:
            assert new.chat_id is not None
            subscriber = await ensure_subscriber(
                project.id,
                channel,
                new.chat_id,
                first_name=new.first_name,
                last_name=new.last_name,
                username=new.username,
                language_code=new.language_code,
            )
        # the counter row stays locked until commit: numbers are unique and gap-free. One
        # statement takes the number and reads the agent chat (fresh, for notify_agents).
        counter = await sql.fetch_one(_TAKE_NUMBER, project.id)
        if counter is None:
            raise NotFound("project not found")
        number = counter["ticket_counter"]
        now = clock.now()
        ticket = await Ticket.create(
            project_id=project.id,
            number=number,
            subject=subject,
            channel=channel,
            subscriber=subscriber,
            customer_first_name=new.first_name or (subscriber.first_name if subscriber else None),
            customer_username=new.username or (subscriber.username if subscriber else None),
            customer_chat_id=new.chat_id if channel != Channel.VIRTUAL else None,
            ticket_type=ticket_type,
            last_customer_message_at=now,
        )
        ticket.assignee = None  # a new ticket: the summary's relations are at hand
        message = await Message.create(
            ticket=ticket,
            author=Author.CUSTOMER,
            text=text,
            attachments=new.attachments,
            source=new.source,
            customer_message_id=new.customer_message_id,
        )
        await outbox.record_event(ticket, outbox.TICKET_CREATED, message=message_view(message))
        if new.source == MessageSource.API:
            await notifications.notify_customer(
                ticket, "notify-ticket-created", open_button=True, subscriber=subscriber
            )
        await notifications.notify_agents(
            ticket, "ticket_created", message, agent_chat_id=counter["agent_chat_id"]
        )
    return ticket


async def list_tickets(
    project: Project,
    *,
    statuses: Sequence[TicketStatus] = (),
    assigned_to: uuid.UUID | None = None,
    channel: Channel | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Ticket], int]:
    query = Ticket.filter(project_id=project.id)
    if statuses:
        query = query.filter(status__in=list(statuses))
    if assigned_to is not None:
        query = query.filter(assignee_id=assigned_to)
    if channel is not None:
        query = query.filter(channel=channel)
    if statuses or assigned_to is not None or channel is not None:
        total = await query.count()
    else:
        # Tickets are never deleted and numbers are gap-free (taken in the creating
        # transaction), so the project's counter is its exact ticket count — without
        # counting 100,000 rows on every page.
        total = (await Project.get(id=project.id).only("id", "ticket_counter")).ticket_counter
    tickets = (
        await query.order_by("-created_at", "-number")
        .offset(offset)
        .limit(limit)
        .select_related("ticket_type", "assignee")
    )
    return list(tickets), total


_COUNTER = "SELECT ticket_counter FROM projects WHERE id = $1"
_SUMMARY_COLUMNS = (
    "t.id, t.number, t.status, t.priority, t.channel, t.ticket_type_id, t.subject,"
    " t.assignee_id, t.subscriber_id, t.created_at, t.updated_at,"
    " tt.name AS ticket_type_name, a.name AS assignee_name"
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
    """`list_tickets` as plain ticket summaries: one joined statement for the page (no
    models built), so a page of 50 costs about what the SQL costs."""
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
    condition = " AND ".join(where)
    n = len(args)
    filtered = len(where) > 1
    # Unfiltered, the total rides along with the page as a scalar subquery (evaluated once):
    # tickets are never deleted and numbers are gap-free (taken in the creating transaction),
    # so the project's counter is its exact ticket count — without counting 100,000 rows.
    total_column = "" if filtered else f"({_COUNTER}) AS total, "
    rows = await sql.fetch(
        f"SELECT {total_column}{_SUMMARY_COLUMNS} FROM tickets t"
        " LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id"
        " LEFT JOIN agents a ON a.id = t.assignee_id"
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


async def get_ticket(project: Project, ticket_id: object) -> tuple[Ticket, list[Message]]:
    tid = parse_uuid(ticket_id, what="ticket")
    ticket = await Ticket.filter(id=tid, project_id=project.id).first()
    if ticket is None:
        raise NotFound("ticket not found")
    await load(ticket)
    messages = await Message.filter(ticket_id=ticket.id).order_by("created_at", "id")
    return ticket, list(messages)


async def _set_status(ticket: Ticket, to: TicketStatus) -> None:
    """Change status inside the caller's transaction, with its events and notifications."""
    before = TicketStatus(ticket.status)
    if before == to:
        return
    now = clock.now()
    ticket.status = to
    ticket.updated_at = now
    update: dict[str, Any] = {"status": to, "updated_at": now}
    if to == TicketStatus.CLOSED:
        ticket.closed_at = now
        update["closed_at"] = now
    elif before == TicketStatus.CLOSED:
        ticket.closed_at = None
        update["closed_at"] = None
    await Ticket.filter(id=ticket.id).update(**update)
    await outbox.record_event(ticket, outbox.TICKET_STATUS_CHANGED, **{"from": before, "to": to})
    if to == TicketStatus.CLOSED:
        await outbox.record_event(ticket, outbox.TICKET_CLOSED)
        await notifications.notify_customer(ticket, "notify-ticket-closed")
    elif before == TicketStatus.CLOSED:
        await notifications.notify_customer(ticket, "notify-ticket-reopened")
    await notifications.notify_agents(ticket, "status_changed")


async def _project_agent(project_id: uuid.UUID, agent_id: object, field: str) -> Agent:
    aid = field_uuid(agent_id, field)
    agent = await Agent.get_or_none(id=aid, project_id=project_id)
    if agent is None:
        raise invalid(field, "is not an agent of this project")
    return agent


async def agent_reply(
    project: Project,
    ticket_id: object,
    text: str | None,
    *,
    internal: bool = False,
    agent_id: object | None = None,
    source: MessageSource = MessageSource.API,
    attachments: list[dict[str, Any]] | None = None,
    agent_chat_message_id: int | None = None,
) -> Message:
    attachments = attachments or []
    body = check_text(text, allow_empty=bool(attachments))
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        agent = await _project_agent(project.id, agent_id, "user_id") if agent_id else None
        if ticket.status == TicketStatus.CLOSED and not internal:
            raise TicketClosed(f"ticket #{ticket.number} is closed")
        message = await Message.create(
            ticket=ticket,
            author=Author.AGENT,
            agent=agent,
            text=body,
            internal=internal,
            attachments=attachments,
            source=source,
            agent_chat_message_id=agent_chat_message_id,
        )
        if not internal:
            now = clock.now()
            update: dict[str, Any] = {"last_agent_message_at": now, "updated_at": now}
            if ticket.first_response_at is None:
                update["first_response_at"] = ticket.first_response_at = now
            await Ticket.filter(id=ticket.id).update(**update)
            ticket.updated_at = now
            await outbox.record_event(
                ticket, outbox.TICKET_REPLIED, author="agent", message=message_view(message)
            )
            await _set_status(ticket, TicketStatus.WAITING)
            await notifications.notify_customer(
                ticket, "notify-agent-reply", message=message, body=body
            )
        if source != MessageSource.AGENT_CHAT:
            await notifications.notify_agents(ticket, "agent_reply", message)
    return message


@dataclass
class CustomerWrite:
    """A customer's message as stored, and whether it changed the ticket's status (a closed
    ticket reopened, a waiting one back in progress): the thread window then shows it."""

    message: Message
    status_changed: bool = False


async def customer_message(
    project: Project | None,
    ticket_id: object,
    text: str | None,
    *,
    source: MessageSource,
    attachments: list[dict[str, Any]] | None = None,
    subscriber_id: uuid.UUID | None = None,
    customer_message_id: str | None = None,
) -> CustomerWrite:
    """A customer writes in a ticket: from the virtual API, or from their messenger thread.
    Returns the message as stored and whether the ticket's status changed.

    In a messenger a closed ticket is reopened; through the API it is refused. `project`
    None: the ticket is found by its subscriber alone (the bots know no project; one of
    `project` / `subscriber_id` is required). The message's `ticket` is the ticket as this
    left it (type and project loaded).

    On PostgreSQL a ticket that keeps its status is written in two statements and no
    transaction: the ticket read with its relations and row version (`xmin`), then one
    statement that updates the ticket only if that version is still current — the row is
    locked by the UPDATE and re-checked after any concurrent writer commits — and inserts
    the message, its event and the agent chat row only if the UPDATE matched. A ticket
    changed in between (or one whose status changes) takes the locked path below.
    """
    if project is None and subscriber_id is None:
        raise ValueError("customer_message needs a project or a subscriber")
    attachments = attachments or []
    body = check_text(text, allow_empty=bool(attachments))
    project_id = project.id if project else None
    if sql.dialect() != "sqlite":
        written = await _customer_write_unlocked(
            project_id,
            ticket_id,
            subscriber_id,
            body,
            attachments,
            source,
            customer_message_id,
        )
        if written is not None:
            return written
    return await _customer_write_locked(
        project_id, ticket_id, subscriber_id, body, attachments, source, customer_message_id
    )


def _check_customer_write(ticket: Ticket, source: MessageSource) -> None:
    if source == MessageSource.API and ticket.channel != Channel.VIRTUAL:
        raise WrongChannel("customer-reply is only for tickets with channel=virtual")
    if ticket.status == TicketStatus.CLOSED and source == MessageSource.API:
        raise TicketClosed(f"ticket #{ticket.number} is closed")


def _new_customer_message(
    ticket: Ticket,
    body: str,
    attachments: list[dict[str, Any]],
    source: MessageSource,
    customer_message_id: str | None,
) -> tuple[Message, OutboxEvent]:
    message = sql.new(
        Message,
        ticket=ticket,
        author=Author.CUSTOMER,
        text=body,
        attachments=attachments,
        source=source,
        customer_message_id=customer_message_id,
    )
    # stamped as Tortoise's auto_now_add would at the insert (the event shows it)
    message.created_at = _CREATED_AT.to_python_value(timezone.localtime())
    event = outbox.new_event(
        ticket, outbox.TICKET_REPLIED, author="customer", message=message_view(message)
    )
    return message, event


# The joined ticket rows the PostgreSQL path last read or wrote, with the row versions
# (`xmin`) of the ticket, its type, assignee and project. A cached row is used only as far
# as the write's own statement confirms every version is still current; the next message in
# a thread then needs no read. Per process; any change anywhere makes the check fail.
_SNAPSHOTS: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], Ticket]] = OrderedDict()
_SNAPSHOTS_MAX = 2_048  # ~45 columns a row: a few MB; a miss costs one read
_VERSIONS = ", t.xmin AS v_ticket, tt.xmin AS v_type, a.xmin AS v_agent, p.xmin AS v_project"


async def _read_for_customer(
    tid: uuid.UUID, project_id: uuid.UUID | None, subscriber_id: uuid.UUID | None
) -> dict[str, Any]:
    args: list[Any] = [tid]
    where = " WHERE t.id = $1"
    if project_id is not None:
        args.append(project_id)
        where += f" AND t.project_id = ${len(args)}"
    if subscriber_id is not None:
        args.append(subscriber_id)
        where += f" AND t.subscriber_id = ${len(args)}"
    row = await sql.fetch_one(
        f"SELECT {_touch_columns()}{_VERSIONS} FROM tickets t{_TOUCH_JOINS}{where}", *args
    )
    if row is None:
        raise NotFound("ticket not found")
    return row


def _version_checks(row: dict[str, Any], values: list[Any]) -> str:
    """`AND …` conditions: the ticket, its type, assignee and project are as in `row`."""
    values.append(row["v_ticket"])
    where = f" AND xmin = ${len(values)}"
    for table, key, version in (
        ("ticket_types", "tt_id", "v_type"),
        ("agents", "a_id", "v_agent"),
        ("projects", "p_id", "v_project"),
    ):
        if row[key] is not None:
            values.extend((row[key], row[version]))
            where += f" AND (SELECT xmin FROM {table} WHERE id = ${len(values) - 1})"
            where += f" = ${len(values)}"
    return where


async def _customer_write_unlocked(
    project_id: uuid.UUID | None,
    ticket_id: object,
    subscriber_id: uuid.UUID | None,
    body: str,
    attachments: list[dict[str, Any]],
    source: MessageSource,
    customer_message_id: str | None,
) -> CustomerWrite | None:
    """The PostgreSQL path of `customer_message`; None: take the locked path."""
    tid = parse_uuid(ticket_id, what="ticket")
    key = (tid, project_id, subscriber_id)
    cached = _SNAPSHOTS.pop(key, None)
    args = (tid, body, attachments, source, customer_message_id)
    written = None
    if cached is not None:  # the models as well: each write changes a copy of them
        written = await _write_if_current(cached[0], copy.copy(cached[1]), *args)
    if written is None:  # nothing cached, or it is stale: read afresh and try once more
        row = await _read_for_customer(tid, project_id, subscriber_id)
        written = await _write_if_current(row, _ticket_from_row(row), *args)
    if written is None:
        return None  # changed since the fresh read too, or a status change: locked path
    new_row, result = written
    _SNAPSHOTS[key] = new_row, result.message.ticket
    if len(_SNAPSHOTS) > _SNAPSHOTS_MAX:
        _SNAPSHOTS.popitem(last=False)
    return result


async def _write_if_current(
    row: dict[str, Any],
    ticket: Ticket,
    tid: uuid.UUID,
    body: str,
    attachments: list[dict[str, Any]],
    source: MessageSource,
    customer_message_id: str | None,
) -> tuple[dict[str, Any], CustomerWrite] | None:
    """One statement: the message, its event and agent chat row stored and the ticket
    touched — only if every version in `row` is current (else nothing is written: None).
    `ticket`: the row's models (the ticket with its type, assignee and project)."""
    _check_customer_write(ticket, source)
    if ticket.status in CHANGED_BY_CUSTOMER:
        return None  # a status change: its events and notifications under the row lock
    now = clock.now()
    ticket.last_customer_message_at = ticket.updated_at = now
    message, event = _new_customer_message(ticket, body, attachments, source, customer_message_id)
    rows: list[Any] = [message, event]
    agent_event = notifications.agent_event(
        ticket, "customer_message", message, agent_chat_id=ticket.project.agent_chat_id
    )
    if agent_event is not None:
        rows.append(agent_event)
    stamp = _UPDATED_AT.to_db_value(now, Ticket)
    values: list[Any] = [stamp, tid]
    ctes = [
        "t AS (UPDATE tickets SET last_customer_message_at = $1, updated_at = $1"
        f" WHERE id = $2{_version_checks(row, values)} RETURNING xmin AS v_ticket)"
    ]
    for n, instance in enumerate(rows):
        text, row_values = sql.insert_from("t", instance, len(values) + 1)
        ctes.append(f"i{n} AS ({text})")
        values.extend(row_values)
    result = await sql.fetch(f"WITH {', '.join(ctes)} SELECT t.v_ticket FROM t", *values)
    if not result:
        return None  # something changed since `row` was read: nothing was written
    for instance in rows:
        instance._saved_in_db = True
    new_row = {
        **row,
        "t_last_customer_message_at": stamp,
        "t_updated_at": stamp,
        "v_ticket": result[0]["v_ticket"],
    }
    return new_row, CustomerWrite(message)


async def _customer_write_locked(
    project_id: uuid.UUID | None,
    ticket_id: object,
    subscriber_id: uuid.UUID | None,
    body: str,
    attachments: list[dict[str, Any]],
    source: MessageSource,
    customer_message_id: str | None,
) -> CustomerWrite:
    async with in_transaction():
        # one statement on PostgreSQL: the ticket updated (and so locked), its summary's
        # relations and the project's agent chat read fresh in this transaction
        now = clock.now()
        ticket = await _touched_by_customer(project_id, ticket_id, subscriber_id, now)
        _check_customer_write(ticket, source)
        message, event = _new_customer_message(
            ticket, body, attachments, source, customer_message_id
        )
        rows: list[Any] = [message, event]
        status_changed = ticket.status in CHANGED_BY_CUSTOMER
        if status_changed:
            await sql.insert(*rows)
            rows = []
            if ticket.status == TicketStatus.CLOSED:
                await _set_status(ticket, TicketStatus.OPEN)
            else:
                await _set_status(ticket, TicketStatus.IN_PROGRESS)
        agent_event = notifications.agent_event(
            ticket, "customer_message", message, agent_chat_id=ticket.project.agent_chat_id
        )
        if agent_event is not None:
            rows.append(agent_event)
        await sql.insert(*rows)
    return CustomerWrite(message, status_changed)


async def change_status(project: Project, ticket_id: object, status: str) -> Ticket:
    try:
        target = TicketStatus(status)
    except ValueError:
        target = None
    if target not in SETTABLE_STATUSES:
        raise ValidationFailed(
            "status must be one of: open, in_progress, waiting, closed",
            details=[{"field": "status", "message": "must be open|in_progress|waiting|closed"}],
        )
    assert target is not None
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        await _set_status(ticket, target)
    return ticket


async def assign(project: Project, ticket_id: object, agent_id: object) -> Ticket:
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        agent = await _project_agent(project.id, agent_id, "user_id")
        if ticket.assignee_id == agent.id:
            return ticket
        now = clock.now()
        await Ticket.filter(id=ticket.id).update(assignee_id=agent.id, updated_at=now)
        ticket.assignee = agent
        ticket.assignee_id = agent.id
        ticket.updated_at = now
        await outbox.record_event(ticket, outbox.TICKET_ASSIGNED, assignee=agent_ref(agent))
        await notifications.notify_agents(ticket, "assigned")
    return ticket


async def set_priority(project: Project, ticket_id: object, priority: str) -> Ticket:
    try:
        target = Priority(priority)
    except ValueError:
        raise ValidationFailed(
            "priority must be one of: low, normal, high, urgent",
            details=[{"field": "priority", "message": "must be low|normal|high|urgent"}],
        ) from None
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        before = Priority(ticket.priority)
        if before == target:
            return ticket
        now = clock.now()
        await Ticket.filter(id=ticket.id).update(priority=target, updated_at=now)
        ticket.priority = target
        ticket.updated_at = now
        await outbox.record_event(
            ticket, outbox.TICKET_PRIORITY_CHANGED, **{"from": before, "to": target}
        )
        await notifications.notify_agents(ticket, "priority_changed")
    return ticket


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
