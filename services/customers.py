"""A customer's tickets in the messenger bots (the Telegram dialogs and the MAX bot): the
helpdesk menu, the type picker, opening, reading, writing and closing tickets, the list of
their tickets, and the language a chat last told us.

Where a customer lands after /start, a deep link or a button, and subscribing (consent) or
unsubscribing, is customer_entry.py. The bots only translate between their UI and these
functions: every rule (helpdesk switches, ownership of tickets) lives here or below; what
the screens of both bots do with it (drafts, paging, where a route lands) is
customer_flow.py.
"""

from __future__ import annotations

from typing import Any

from models import Message, Project, Subscriber, Ticket
from models.enums import Author, Channel, MessageSource, TicketStatus
from services import catalog, customer_messages, sql, ticket_queries, tickets
from services.customer_views import (
    Customer,
    DraftPart,
    MenuView,
    ThreadMessage,
    ThreadView,
    TicketRow,
    TypeView,
)
from services.errors import HelpdeskDisabled, NotFound, ValidationFailed
from services.validation import parse_uuid, subject_from_text


class UnsupportedContent(ValidationFailed):
    """A message with neither text nor a file we keep (a sticker, a contact)."""

    code = "unsupported-content"


def check_content(part: DraftPart) -> None:
    if not part.text and not part.attachments:
        raise UnsupportedContent("nothing in this message can be kept in a ticket")


async def menu_view(
    project_id: str, subscriber_id: str, preselected_type: str | None = None
) -> MenuView:
    project = await Project.get(id=parse_uuid(project_id, what="project"))
    subscriber = await Subscriber.get_or_none(id=parse_uuid(subscriber_id, what="subscriber"))
    subscribed = subscriber is not None and not subscriber.blocked
    types = await catalog.active_ticket_types(project.id)
    type_ids = {str(t.id) for t in types}
    return MenuView(
        project_id=str(project.id),
        name=project.name,
        enabled=project.helpdesk_enabled,
        can_create=project.helpdesk_enabled and project.helpdesk_allow_create and subscribed,
        subscribed=subscribed,
        active_tickets=await ticket_queries.count_active(subscriber.id) if subscriber else 0,
        has_types=bool(types),
        preselected_type=preselected_type if preselected_type in type_ids else None,
    )


async def ticket_types(project_id: str) -> list[TypeView]:
    return [
        TypeView(str(t.id), t.name, t.description)
        for t in await catalog.active_ticket_types(parse_uuid(project_id, what="project"))
    ]


def compose(parts: list[DraftPart]) -> tuple[str, list[dict[str, Any]], str | None]:
    """Several customer messages (an album, text then photos) become one ticket body."""
    text = "\n\n".join(p.text.strip() for p in parts if p.text.strip())
    attachments = [a for p in parts for a in p.attachments]
    first_id = next((p.message_id for p in parts if p.message_id), None)
    return text, attachments, first_id


async def open_ticket(
    customer: Customer,
    project_id: str,
    parts: list[DraftPart],
    ticket_type_id: str | None = None,
) -> str:
    """Create a ticket from the bot; returns its id. Subject: the first line of the text."""
    project = await Project.get(id=parse_uuid(project_id, what="project"))
    if not (project.helpdesk_enabled and project.helpdesk_allow_create):
        raise HelpdeskDisabled("new tickets are disabled for this project")
    text, attachments, first_id = compose(parts)
    source = MessageSource.MAX if customer.channel == Channel.MAX else MessageSource.TELEGRAM
    ticket = await tickets.create_ticket(
        project,
        tickets.NewTicket(
            text=text,
            subject=subject_from_text(text) if text else None,
            channel=customer.channel,
            chat_id=customer.chat_id,
            **customer.profile(),
            ticket_type_id=ticket_type_id,
            source=source,
            attachments=attachments,
            customer_message_id=first_id,
        ),
    )
    return str(ticket.id)


async def _own_ticket(subscriber_id: str, ticket_id: str) -> Ticket:
    ticket = await Ticket.get_or_none(
        id=parse_uuid(ticket_id, what="ticket"),
        subscriber_id=parse_uuid(subscriber_id, what="subscriber"),
    ).select_related("ticket_type", "project")
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket


# The latest visible messages and how many there are, in one statement (the window count is
# taken before LIMIT): the thread is redrawn after every customer message.
_HISTORY = (
    "SELECT author, text, attachments, created_at, COUNT(*) OVER () AS total FROM messages"
    " WHERE ticket_id = $1 AND internal = $2 ORDER BY created_at DESC, id DESC LIMIT $3"
)


async def _history(ticket: Ticket, limit: int) -> ThreadView:
    rows = await sql.fetch(_HISTORY, ticket.id, False, limit) if limit > 0 else []
    if rows:
        total = int(rows[0]["total"])
    else:  # limit 0, or nothing visible
        total = await Message.filter(ticket_id=ticket.id, internal=False).count()
    return _view(ticket, [_thread_message(row) for row in reversed(rows)], total)


_ATTACHMENTS = Message._meta.fields_map["attachments"]
_CREATED_AT = Message._meta.fields_map["created_at"]


def _thread_message(row: dict[str, Any]) -> ThreadMessage:
    # the two columns that need it converted as the ORM converts them (no model built)
    attachments = _ATTACHMENTS.to_python_value(row["attachments"]) or []
    return ThreadMessage(
        author=Author(row["author"]),
        text=row["text"],
        attachment_kinds=[str(a.get("kind", "file")) for a in attachments],
        created_at=_CREATED_AT.to_python_value(row["created_at"]),
    )


def _view(ticket: Ticket, messages: list[ThreadMessage], total: int) -> ThreadView:
    return ThreadView(
        id=str(ticket.id),
        number=ticket.number,
        status=TicketStatus(ticket.status),
        subject=ticket.subject,
        type_name=ticket.ticket_type.name if ticket.ticket_type else None,
        messages=messages,
        total_messages=total,
    )


async def thread(subscriber_id: str, ticket_id: str, *, limit: int = 20) -> ThreadView:
    """What the customer sees of a ticket: never internal notes."""
    return await _history(await _own_ticket(subscriber_id, ticket_id), limit)


async def write(customer: Customer, subscriber_id: str, ticket_id: str, part: DraftPart) -> bool:
    """A message in the ticket's thread; a closed ticket is reopened by it. True when it
    changed the ticket's status (closed → open, waiting → in progress)."""
    check_content(part)
    source = MessageSource.MAX if customer.channel == Channel.MAX else MessageSource.TELEGRAM
    # the ticket is found (owned by this subscriber) and written to in the use case
    written = await customer_messages.customer_message(
        None,
        parse_uuid(ticket_id, what="ticket"),
        part.text,
        source=source,
        attachments=part.attachments,
        subscriber_id=parse_uuid(subscriber_id, what="subscriber"),
        customer_message_id=part.message_id,
    )
    return written.status_changed


async def close(subscriber_id: str, ticket_id: str) -> None:
    ticket = await _own_ticket(subscriber_id, ticket_id)
    await tickets.change_status(
        ticket.project, ticket.id, TicketStatus.CLOSED, reason=tickets.REASON_CUSTOMER
    )


async def my_tickets(subscriber_id: str, *, page: int, size: int) -> tuple[list[TicketRow], int]:
    """One page of the customer's tickets, active first; returns (rows, total)."""
    found, total = await ticket_queries.subscriber_tickets(
        parse_uuid(subscriber_id, what="subscriber"), limit=size, offset=max(page, 0) * size
    )
    return [TicketRow(str(t.id), t.number, TicketStatus(t.status), t.subject) for t in found], total


async def language_of(channel: Channel, chat_id: int) -> str | None:
    """The language a chat last told us (for messages that are not a reply to the customer)."""
    row = (
        await Subscriber.filter(channel=channel, chat_id=chat_id)
        .exclude(language_code=None)
        .order_by("-created_at")
        .first()
    )
    return row.language_code if row else None
