"""Customer-side use cases of the messenger bots (the Telegram dialogs and the MAX bot).

The bots only translate between their UI and these functions: where a customer lands after
/start or a deep link, subscribing, the menu, opening, reading, writing and closing tickets.
Every rule (consent, helpdesk switches, ownership of tickets) lives here or below; what the
screens of both bots do with it (drafts, paging, where a route lands) is customer_flow.py.
"""

from __future__ import annotations

import re
from typing import Any

from models import Message, Project, Subscriber, Ticket
from models.enums import Author, Channel, MessageSource, TicketStatus
from services import (
    catalog,
    customer_messages,
    notify_events,
    requests,
    sql,
    subscriber_api,
    subscribers,
    ticket_queries,
    tickets,
)
from services.customer_views import (
    ConsentView,
    Customer,
    DraftPart,
    MenuView,
    ProjectChoice,
    Route,
    Screen,
    ThreadMessage,
    ThreadView,
    TicketRow,
    TypeView,
)
from services.errors import Conflict, HelpdeskDisabled, NotFound, ValidationFailed
from services.validation import parse_uuid, subject_from_text

HELP_LINK_PREFIX = "help_"
REQUEST_ID = re.compile(r"[A-Za-z0-9]{16}")


class UnsupportedContent(ValidationFailed):
    """A message with neither text nor a file we keep (a sticker, a contact)."""

    code = "unsupported-content"


def check_content(part: DraftPart) -> None:
    if not part.text and not part.attachments:
        raise UnsupportedContent("nothing in this message can be kept in a ticket")


# --- where a customer lands -------------------------------------------------------------


async def subscriptions(channel: Channel, chat_id: int) -> list[ProjectChoice]:
    """Projects this chat is subscribed to (unsubscribed ones excluded), oldest first."""
    rows = (
        await Subscriber.filter(channel=channel, chat_id=chat_id, blocked=False)
        .order_by("created_at")
        .select_related("project")
    )
    return [ProjectChoice(str(s.project_id), str(s.id), s.project.name) for s in rows]


async def _active_subscriber(project_id: object, customer: Customer) -> Subscriber | None:
    return await Subscriber.get_or_none(
        project_id=project_id,
        channel=customer.channel,
        chat_id=customer.chat_id,
        blocked=False,
    )


def _disabled(project: Project) -> Route:
    return Route(
        Screen.NOTICE, notice="notice-helpdesk-disabled", notice_args={"project": project.name}
    )


async def _existing(customer: Customer, notice: str | None = None) -> Route:
    """The chat's own projects: its menu, a picker, or just the notice when there are none."""
    subs = await subscriptions(customer.channel, customer.chat_id)
    if len(subs) == 1:
        project = await Project.get(id=subs[0].project_id)
        if not project.helpdesk_enabled:
            return _disabled(project) if notice is None else Route(Screen.NOTICE, notice=notice)
        return Route(Screen.MENU, subs[0].project_id, subs[0].subscriber_id, notice=notice)
    if subs:
        return Route(Screen.PICKER, notice=notice)
    return Route(Screen.NOTICE, notice=notice or "notice-no-project")


async def route_start(customer: Customer) -> Route:
    """Plain /start or /menu: the chat's project, a picker of several, or the only project."""
    route = await _existing(customer)
    if route.screen != Screen.NOTICE or route.notice != "notice-no-project":
        return route
    projects = await Project.all().limit(2)
    if len(projects) == 1:
        return await _enter_project(projects[0], customer)
    return route


async def route_deep_link(customer: Customer, payload: str) -> Route:
    if payload.startswith(subscriber_api.SUBSCRIBE_PREFIX):
        return await route_subscribe_link(
            customer, payload.removeprefix(subscriber_api.SUBSCRIBE_PREFIX)
        )
    if payload.startswith(requests.DEEP_LINK_PREFIX):
        return await route_request(customer, payload.removeprefix(requests.DEEP_LINK_PREFIX))
    if payload.startswith(HELP_LINK_PREFIX):
        return await route_project(customer, payload.removeprefix(HELP_LINK_PREFIX))
    return await route_start(customer)


async def route_request(customer: Customer, request_id: str) -> Route:
    """`hdreq_<id>`: consent for a newcomer, the menu (request accepted) for a subscriber."""
    if not REQUEST_ID.fullmatch(request_id):  # a mangled link is just an unknown one
        return await _existing(customer, "notice-link-expired")
    try:
        request = await requests.open_request(request_id)
    except NotFound:
        return await _existing(customer, "notice-link-expired")
    except Conflict:
        return await _existing(customer, "notice-link-used")
    project = request.project
    if not project.helpdesk_enabled:
        return _disabled(project)
    type_id = str(request.ticket_type_id) if request.ticket_type_id else None
    if await _active_subscriber(project.id, customer) is None:
        return Route(Screen.CONSENT, str(project.id), request_id=request.id, ticket_type_id=type_id)
    return await accept(customer, str(project.id), request.id)


async def route_subscribe_link(customer: Customer, link_id: str) -> Route:
    """`sub_<id>`: consent for a newcomer; a subscriber gets the link's tags at once. Either
    way no helpdesk menu: the link is for notifications."""
    link = await subscriber_api.open_link(link_id)
    if link is None:
        return await _existing(customer, "notice-link-unknown")
    if await _active_subscriber(link.project_id, customer) is None:
        return Route(Screen.CONSENT, str(link.project_id), link_id=link.id)
    return await accept(customer, str(link.project_id), link_id=link.id)


async def route_project(customer: Customer, slug: str) -> Route:
    """`help_<slug>`: a permanent link to one project's helpdesk."""
    project = await Project.get_or_none(slug=slug)
    if project is None:
        return await _existing(customer, "notice-link-unknown")
    return await _enter_project(project, customer)


async def _enter_project(project: Project, customer: Customer) -> Route:
    if not project.helpdesk_enabled:
        return _disabled(project)
    subscriber = await _active_subscriber(project.id, customer)
    if subscriber is None:
        return Route(Screen.CONSENT, str(project.id))
    return Route(Screen.MENU, str(project.id), str(subscriber.id))


async def route_to_ticket(customer: Customer, ticket_id: str) -> Route:
    """The "open ticket #N" button: the ticket's thread, if it belongs to this chat."""
    try:
        tid = parse_uuid(ticket_id, what="ticket")
    except NotFound:
        return await _existing(customer, "notice-ticket-missing")
    ticket = await Ticket.get_or_none(id=tid).select_related("subscriber")
    subscriber = ticket.subscriber if ticket else None
    if (
        ticket is None
        or subscriber is None
        or subscriber.channel != customer.channel
        or subscriber.chat_id != customer.chat_id
    ):
        return await _existing(customer, "notice-ticket-missing")
    if subscriber.blocked:  # an unsubscribed customer tapped an old button: subscribe again
        return Route(Screen.CONSENT, str(ticket.project_id))
    return Route(Screen.MENU, str(ticket.project_id), str(subscriber.id), ticket_id=str(ticket.id))


async def choose_project(customer: Customer, project_id: str) -> Route:
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        return await _existing(customer, "notice-link-unknown")
    return await _enter_project(project, customer)


# --- consent ---------------------------------------------------------------------------


async def consent_view(project_id: str) -> ConsentView:
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        raise NotFound("project not found")
    return ConsentView(str(project.id), project.name, project.description, project.helpdesk_enabled)


async def accept(
    customer: Customer,
    project_id: str,
    request_id: str | None = None,
    *,
    link_id: str | None = None,
) -> Route:
    """Consent given (or implied by an existing subscription): subscribe, open the menu —
    or, for a subscribe link, subscribe with its tags and say so."""
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        return await _existing(customer, "notice-link-unknown")
    if link_id is not None:
        link = await subscriber_api.open_link(link_id)
        if link is None or link.project_id != project.id:
            return await _existing(customer, "notice-link-unknown")
        await subscribers.ensure_subscriber(
            project.id, customer.channel, customer.chat_id, link.tags, **customer.profile()
        )
        return Route(Screen.NOTICE, notice="subscribe-done", notice_args={"project": project.name})
    if not project.helpdesk_enabled:
        return _disabled(project)
    profile = customer.profile()
    type_id = None
    if request_id is None:
        subscriber = await subscribers.ensure_subscriber(
            project.id, customer.channel, customer.chat_id, **profile
        )
    else:
        try:
            request, subscriber = await requests.accept_request(
                request_id, customer.channel, customer.chat_id, **profile
            )
        except NotFound:
            return await _existing(customer, "notice-link-expired")
        except Conflict:
            return await _existing(customer, "notice-link-used")
        type_id = str(request.ticket_type_id) if request.ticket_type_id else None
    return Route(Screen.MENU, str(project.id), str(subscriber.id), ticket_type_id=type_id)


async def decline(request_id: str | None) -> None:
    """Consent refused: the website sees the request `cancelled` (if it is still pending)."""
    if request_id is None:
        return
    try:
        await requests.cancel_request(request_id)
    except (NotFound, Conflict):
        pass  # expired or used meanwhile: nothing left to cancel


async def unsubscribe(subscriber_id: str) -> None:
    """Stop messaging this chat for the project; `blocked` is the flag delivery honours.

    Open tickets keep their history; subscribing again (consent) clears the flag.
    """
    await subscribers.end_subscription(
        parse_uuid(subscriber_id, what="subscriber"), notify_events.REASON_UNSUBSCRIBED
    )


async def blocked_by_messenger(customer: Customer) -> None:
    """The messenger says the chat stopped the bot: each of its subscriptions is blocked."""
    for choice in await subscriptions(customer.channel, customer.chat_id):
        project_id = parse_uuid(choice.project_id)
        await subscribers.mark_blocked(project_id, customer.channel, customer.chat_id)


# --- menu, types, tickets --------------------------------------------------------------


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
