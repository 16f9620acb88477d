"""Ticket commands: what agents, the REST API and the bots change on a ticket — create, reply,
status, assignee, priority. Each runs in one transaction with its webhook events and
notifications. A customer's message is `services.customer_messages`; reads are
`services.ticket_queries`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from models import Message, Project, Ticket
from models.enums import Author, Channel, MessageSource, Priority, TicketStatus
from services import (
    canned_replies,
    clock,
    notifications,
    out_of_hours,
    outbox,
    ratings,
    search_words,
    sla,
    sql,
)
from services.catalog import active_type, project_agent
from services.errors import NotFound, TicketClosed
from services.serializers import agent_ref, message_view
from services.subscribers import ensure_subscriber
from services.validation import check_subject, check_text, invalid, one_of, parse_uuid

# why a status changed (webhook `data.reason` of ticket.status_changed / ticket.closed)
REASON_AGENT = "agent"  # an agent in the agent chat
REASON_API = "api"  # the REST API
REASON_CUSTOMER = "customer"  # the customer in their messenger
REASON_AUTO = "auto"  # auto-close
REASONS = (REASON_AGENT, REASON_API, REASON_CUSTOMER, REASON_AUTO)

SETTABLE_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.CLOSED,
)


@dataclass
class NewTicket:
    """A ticket to open: its first message and, for a messenger, the customer's chat."""

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


async def _locked(project_id: uuid.UUID, ticket_id: object) -> Ticket:
    """The project's ticket, row-locked until the transaction ends (PostgreSQL), with what
    the summary shows read in the same statement (only the ticket row is locked)."""
    tid = parse_uuid(ticket_id, what="ticket")
    ticket = (
        await Ticket.filter(id=tid, project_id=project_id)
        .select_related("ticket_type", "assignee")
        .select_for_update(of=(Ticket._meta.db_table,))
        .first()
    )
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket


_TAKE_NUMBER = (
    "UPDATE projects SET ticket_counter = ticket_counter + 1 WHERE id = $1"
    " RETURNING ticket_counter, agent_chat_id, agent_chat_platform"
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
        levels = await sla.levels_of(project.id)
        draft = Ticket(priority=Priority.NORMAL)
        ticket = await Ticket.create(
            **sla.on_created(draft, levels, now),
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
            project_id=ticket.project_id,
            author=Author.CUSTOMER,
            text=text,
            attachments=new.attachments,
            source=new.source,
            customer_message_id=new.customer_message_id,
        )
        await outbox.record_event(ticket, outbox.TICKET_CREATED, message=message_view(message))
        await out_of_hours.out_of_hours_reply(ticket, levels, now, subscriber=subscriber)
        if new.source == MessageSource.API:
            await notifications.notify_customer(
                ticket, "notify-ticket-created", open_button=True, subscriber=subscriber
            )
        await notifications.notify_agents(
            ticket,
            "ticket_created",
            message,
            agent_chat_id=counter["agent_chat_id"],
            platform=counter["agent_chat_platform"],
        )
    return ticket


async def set_status(
    ticket: Ticket, to: TicketStatus, *, reason: str, farewell: str | None = None
) -> None:
    """Change status inside the caller's transaction (the ticket row locked), with its events
    and notifications. `reason`: who changed it (REASON_*, one of REASONS). `farewell`: the
    text the customer gets on closing instead of the usual notice (auto-close)."""
    before = TicketStatus(ticket.status)
    if before == to:
        return
    now = clock.now()
    ticket.status = to
    ticket.updated_at = now
    update: dict[str, Any] = {"status": to, "updated_at": now}
    update.update(sla.on_status(ticket, await sla.levels_of(ticket.project_id), before, to, now))
    if to == TicketStatus.CLOSED:
        ticket.closed_at = now
        update["closed_at"] = now
    elif before == TicketStatus.CLOSED:
        ticket.closed_at = None
        update["closed_at"] = None
    await Ticket.filter(id=ticket.id).update(**update)
    change = {"from": before, "to": to}
    await outbox.record_event(ticket, outbox.TICKET_STATUS_CHANGED, **change, reason=reason)
    if to == TicketStatus.CLOSED:
        await outbox.record_event(ticket, outbox.TICKET_CLOSED, reason=reason)
        await notifications.notify_customer(ticket, "notify-ticket-closed", text=farewell)
        await ratings.on_closed(ticket, reason)  # after the notice: the survey comes below it
    elif before == TicketStatus.CLOSED:
        await notifications.notify_customer(ticket, "notify-ticket-reopened")
        await ratings.on_reopened(ticket)
    # the agent chat learns the change from its own event (closing renames the topic)
    await notifications.notify_agents(ticket, "status_changed", data=change)


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
    canned_reply_id: object | None = None,
) -> Message:
    """An agent's reply (or internal note). With `canned_reply_id` the stored text is that
    canned reply rendered for this ticket and agent, followed by `text` if any."""
    attachments = attachments or []
    if canned_reply_id is None:
        body = check_text(text, allow_empty=bool(attachments))
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        agent = await project_agent(project.id, agent_id, "user_id") if agent_id else None
        if canned_reply_id is not None:
            reply = await canned_replies.get_reply(project, canned_reply_id)
            values = canned_replies.variables_of(ticket, project, agent)
            rendered = canned_replies.render(reply.text, values)
            body = check_text(canned_replies.with_extra(rendered, text))
        if ticket.status == TicketStatus.CLOSED and not internal:
            raise TicketClosed(f"ticket #{ticket.number} is closed")
        message = await Message.create(
            ticket=ticket,
            project_id=ticket.project_id,
            author=Author.AGENT,
            agent=agent,
            text=body,
            internal=internal,
            attachments=attachments,
            source=source,
            agent_chat_message_id=agent_chat_message_id,
        )
        if internal:  # a reply sets updated_at below
            await search_words.ticket_changed(ticket.id)
        else:
            now = clock.now()
            update: dict[str, Any] = {"last_agent_message_at": now, "updated_at": now}
            if ticket.first_response_at is None:
                update["first_response_at"] = ticket.first_response_at = now
            update.update(sla.on_agent_reply(ticket, await sla.levels_of(project.id), now))
            await Ticket.filter(id=ticket.id).update(**update)
            ticket.updated_at = now
            await outbox.record_event(
                ticket, outbox.TICKET_REPLIED, author="agent", message=message_view(message)
            )
            reason = REASON_AGENT if source == MessageSource.AGENT_CHAT else REASON_API
            await set_status(ticket, TicketStatus.WAITING, reason=reason)
            await notifications.notify_customer(
                ticket, "notify-agent-reply", message=message, body=body
            )
        if source != MessageSource.AGENT_CHAT:
            await notifications.notify_agents(ticket, "agent_reply", message)
    return message


async def change_status(
    project: Project, ticket_id: object, status: str, *, reason: str = REASON_API
) -> Ticket:
    target = one_of("status", status, SETTABLE_STATUSES)
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        await set_status(ticket, target, reason=reason)
    return ticket


async def assign(project: Project, ticket_id: object, agent_id: object) -> Ticket:
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        agent = await project_agent(project.id, agent_id, "user_id")
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
    target = one_of("priority", priority, tuple(Priority))
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        before = Priority(ticket.priority)
        if before == target:
            return ticket
        now = clock.now()
        ticket.priority = target
        changes = sla.on_priority(ticket, await sla.levels_of(project.id), before, now) or {}
        await Ticket.filter(id=ticket.id).update(priority=target, updated_at=now, **changes)
        ticket.updated_at = now
        await outbox.record_event(
            ticket, outbox.TICKET_PRIORITY_CHANGED, **{"from": before, "to": target}
        )
        await notifications.notify_agents(ticket, "priority_changed")
    return ticket


async def set_type(project: Project, ticket_id: object, type_id: object | None) -> Ticket:
    """Change the ticket's type (an active type of the project, or none); the agent chat's
    card shows it. No webhook event exists for a type change (API.md lists none)."""
    async with in_transaction():
        ticket = await _locked(project.id, ticket_id)
        ticket_type = await active_type(project.id, type_id) if type_id else None
        new_id = ticket_type.id if ticket_type else None
        if ticket.ticket_type_id == new_id:
            return ticket
        now = clock.now()
        await Ticket.filter(id=ticket.id).update(ticket_type_id=new_id, updated_at=now)
        ticket.ticket_type = ticket_type
        ticket.ticket_type_id = new_id
        ticket.updated_at = now
        await notifications.notify_agents(ticket, "type_changed")
    return ticket
