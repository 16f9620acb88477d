"""A customer writes in a ticket: the busiest write there is (every message in a messenger
thread), so each backend has its own SQL for it, each behind a named function: below, and in
`services.customer_ticket_row` (the statements that read and touch the ticket's joined row).

- PostgreSQL, the status unchanged: `_write_unlocked` — no transaction; the ticket read once
  (or taken from a per-process snapshot) with its row versions, then one statement that writes
  only if those versions are still current (`_write_if_current`).
- PostgreSQL with a status change, or when the versions moved: `_write_locked` over
  `customer_ticket_row.touch_postgres` (one UPDATE … RETURNING joined with the ticket's
  relations).
- SQLite: `_write_locked` over `customer_ticket_row.touch_sqlite` (the UPDATE, then the
  joined SELECT).

bench/README.md ("Bot") measures this path; keep its statements as they are.
"""

from __future__ import annotations

import copy
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from tortoise import timezone
from tortoise.transactions import in_transaction

from models import Message, OutboxEvent, Project, Ticket
from models.enums import Author, Channel, MessageSource, TicketStatus
from services import clock, notifications, out_of_hours, outbox, sla, sql
from services.customer_ticket_row import (
    UPDATED_AT,
    Target,
    read_for_customer,
    ticket_from_row,
    touch_postgres,
    touch_sqlite,
    version_checks,
)
from services.errors import TicketClosed, WrongChannel
from services.serializers import message_view
from services.tickets import REASON_CUSTOMER, NewTicket, create_ticket, set_status
from services.validation import check_text, parse_uuid

# statuses a customer's message changes: closed → open, waiting → in progress
CHANGED_BY_CUSTOMER = (TicketStatus.CLOSED, TicketStatus.WAITING)


@dataclass
class CustomerWrite:
    """A customer's message as stored, and whether it changed the ticket's status (a closed
    ticket reopened, a waiting one back in progress): the thread window then shows it."""

    message: Message
    status_changed: bool = False


@dataclass(frozen=True, slots=True)
class _Draft:
    """The customer's message as checked, not written yet."""

    body: str
    attachments: list[dict[str, Any]]
    source: MessageSource
    customer_message_id: str | None


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
    """
    if project is None and subscriber_id is None:
        raise ValueError("customer_message needs a project or a subscriber")
    attachments = attachments or []
    draft = _Draft(
        check_text(text, allow_empty=bool(attachments)), attachments, source, customer_message_id
    )
    target = Target(
        parse_uuid(ticket_id, what="ticket"), project.id if project else None, subscriber_id
    )
    if sql.dialect() != "sqlite":
        written = await _write_unlocked(target, draft)
        if written is not None:
            return written
    return await _write_locked(target, draft)


def _check_customer_write(ticket: Ticket, source: MessageSource) -> None:
    if source == MessageSource.API and ticket.channel != Channel.VIRTUAL:
        raise WrongChannel("customer-reply is only for tickets with channel=virtual")
    if ticket.status == TicketStatus.CLOSED and source == MessageSource.API:
        raise TicketClosed(f"ticket #{ticket.number} is closed")


_CREATED_AT = Message._meta.fields_map["created_at"]


def _new_customer_message(ticket: Ticket, draft: _Draft) -> tuple[Message, OutboxEvent]:
    message = sql.new(
        Message,
        ticket=ticket,
        project_id=ticket.project_id,
        author=Author.CUSTOMER,
        text=draft.body,
        attachments=draft.attachments,
        source=draft.source,
        customer_message_id=draft.customer_message_id,
    )
    # stamped as Tortoise's auto_now_add would at the insert (the event shows it)
    message.created_at = _CREATED_AT.to_python_value(timezone.localtime())
    event = outbox.new_event(
        ticket, outbox.TICKET_REPLIED, author="customer", message=message_view(message)
    )
    return message, event


# --- the locked path (PostgreSQL with a status change or a conflict; always on SQLite) -----


async def _write_locked(target: Target, draft: _Draft) -> CustomerWrite:
    """In one transaction: the ticket touched (and so row-locked), the message, its event,
    a status change with its own events, and the agent chat row."""
    async with in_transaction():
        # one statement on PostgreSQL: the ticket updated (and so locked), its summary's
        # relations and the project's agent chat read fresh in this transaction
        now = clock.now()
        if sql.dialect() == "sqlite":
            ticket = await touch_sqlite(target, now)
        else:
            ticket = await touch_postgres(target, now)
        _check_customer_write(ticket, draft.source)
        levels = None
        if ticket.project.service_levels_on:
            levels = await sla.levels_of(ticket.project_id)
        if levels is not None and sla.reopen_window_passed(ticket, levels, now):
            return await _new_ticket_after_window(ticket, draft)
        message, event = _new_customer_message(ticket, draft)
        rows: list[Any] = [message, event]
        status_changed = ticket.status in CHANGED_BY_CUSTOMER
        if status_changed:
            await sql.insert(*rows)
            rows = []
            if ticket.status == TicketStatus.CLOSED:
                await set_status(ticket, TicketStatus.OPEN, reason=REASON_CUSTOMER)
            else:
                await set_status(ticket, TicketStatus.IN_PROGRESS, reason=REASON_CUSTOMER)
        if levels is not None:
            await _service_levels(ticket, levels, now)
        agent_event = notifications.agent_event(
            ticket,
            "customer_message",
            message,
            agent_chat_id=ticket.project.agent_chat_id,
            platform=ticket.project.agent_chat_platform,
        )
        if agent_event is not None:
            rows.append(agent_event)
        await sql.insert(*rows)
    return CustomerWrite(message, status_changed)


async def _service_levels(ticket: Ticket, levels: sla.Levels, now: Any) -> None:
    """The customer wrote: next response starts, an out-of-hours reply may be due."""
    changes = sla.on_customer_message(ticket, levels, now)
    if changes is not None:
        await Ticket.filter(id=ticket.id).update(**changes)
    await out_of_hours.out_of_hours_reply(ticket, levels, now)


async def _new_ticket_after_window(closed: Ticket, draft: _Draft) -> CustomerWrite:
    """The customer wrote in a ticket closed longer than the reopen window: a new ticket with
    the message (the customer is told its number, with a button to open it)."""
    ticket = await create_ticket(
        closed.project,
        NewTicket(
            text=draft.body,
            channel=Channel(closed.channel),
            chat_id=closed.customer_chat_id,
            first_name=closed.customer_first_name,
            username=closed.customer_username,
            source=draft.source,
            attachments=draft.attachments,
            customer_message_id=draft.customer_message_id,
        ),
    )
    await notifications.notify_customer(ticket, "notify-ticket-created", open_button=True)
    message = await Message.filter(ticket_id=ticket.id).order_by("created_at").first()
    assert message is not None
    message.ticket = ticket
    return CustomerWrite(message, status_changed=True)


# --- the PostgreSQL path without a transaction: row versions and snapshots -----------------

# The joined ticket rows the PostgreSQL path last read or wrote, with the row versions
# (`xmin`) of the ticket, its type, assignee and project. A cached row is used only as far
# as the write's own statement confirms every version is still current; the next message in
# a thread then needs no read. Per process; any change anywhere makes the check fail.
_SNAPSHOTS: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], Ticket]] = OrderedDict()
_SNAPSHOTS_MAX = 2_048  # ~45 columns a row: a few MB; a miss costs one read


async def _write_unlocked(target: Target, draft: _Draft) -> CustomerWrite | None:
    """PostgreSQL, a ticket that keeps its status, in two statements and no transaction: the
    ticket read with its relations and row versions (`xmin`) — or taken from `_SNAPSHOTS` —
    then one statement that updates the ticket only if those versions are still current
    (the row is locked by the UPDATE and re-checked after any concurrent writer commits) and
    inserts the message, its event and the agent chat row only if the UPDATE matched.
    None: the ticket changed in between, or its status changes — take `_write_locked`."""
    cached = _SNAPSHOTS.pop(target, None)
    written = None
    if cached is not None:  # the models as well: each write changes a copy of them
        written = await _write_if_current(cached[0], copy.copy(cached[1]), target, draft)
    if written is None:  # nothing cached, or it is stale: read afresh and try once more
        row = await read_for_customer(target)
        written = await _write_if_current(row, ticket_from_row(row), target, draft)
    if written is None:
        return None  # changed since the fresh read too, or a status change: locked path
    new_row, result = written
    _SNAPSHOTS[target] = new_row, result.message.ticket
    if len(_SNAPSHOTS) > _SNAPSHOTS_MAX:
        _SNAPSHOTS.popitem(last=False)
    return result


async def _write_if_current(
    row: dict[str, Any], ticket: Ticket, target: Target, draft: _Draft
) -> tuple[dict[str, Any], CustomerWrite] | None:
    """One statement: the message, its event and agent chat row stored and the ticket
    touched — only if every version in `row` is current (else nothing is written: None).
    `ticket`: the row's models (the ticket with its type, assignee and project)."""
    _check_customer_write(ticket, draft.source)
    if ticket.status in CHANGED_BY_CUSTOMER or ticket.project.service_levels_on:
        # a status change, or service levels to apply: under the row lock
        return None
    now = clock.now()
    ticket.last_customer_message_at = ticket.updated_at = now
    message, event = _new_customer_message(ticket, draft)
    rows: list[Any] = [message, event]
    agent_event = notifications.agent_event(
        ticket,
        "customer_message",
        message,
        agent_chat_id=ticket.project.agent_chat_id,
        platform=ticket.project.agent_chat_platform,
    )
    if agent_event is not None:
        rows.append(agent_event)
    stamp = UPDATED_AT.to_db_value(now, Ticket)
    values: list[Any] = [stamp, target.ticket_id]
    ctes = [
        "t AS (UPDATE tickets SET last_customer_message_at = $1, updated_at = $1"
        f" WHERE id = $2{version_checks(row, values)} RETURNING xmin AS v_ticket)"
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
