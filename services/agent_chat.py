"""The Telegram agent group: binding a chat to a project, the ticket ↔ chat bookkeeping the
agent-event sender keeps, and edits on either side.

What agents do in a bound chat (messages, commands, card buttons) goes through
`services.agent_desk`; every change to a ticket still goes through `services.tickets`, so
webhooks fire exactly as for the REST API.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import (
    AgentChatCode,
    Message,
    OutboundMessage,
    OutboxEvent,
    Project,
    Subscriber,
    Ticket,
)
from models.enums import Author, Channel, DeliveryStatus, TicketStatus
from services import (
    agent_chat_posts,
    clock,
    notifications,
    outbox,
    service_levels,
    ticket_queries,
)
from services.errors import NotFound, ValidationFailed
from services.i18n import Translator, translator
from services.outbox import enqueue_message
from services.validation import check_text, parse_uuid

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=15)
EDIT_WINDOW = timedelta(hours=48)
HISTORY_SIZE = 5
CUSTOMER_EDIT = "customer_edit"  # outbound kind: edit the customer's copy of an agent message
CUSTOMER_EDITED = "customer_edited"  # agent event: the customer edited a message
# outbound kind: a short localized notice to an agent chat (payload: key + its arguments)
AGENT_CHAT_NOTICE = "agent_chat_notice"


class CodeUnknown(ValidationFailed):
    """No such binding code, or it was already used."""


class CodeExpired(ValidationFailed):
    """The binding code is older than 15 minutes."""


class EditTooLate(ValidationFailed):
    """The relayed message is older than the 48-hour edit window."""


@dataclass(frozen=True)
class ChatRef:
    platform: Channel
    chat_id: int


@dataclass(frozen=True)
class BoundChat:
    """A chat bound to a project as its agent chat."""

    project_id: uuid.UUID
    project_name: str
    chat_id: int
    is_forum: bool
    platform: Channel = Channel.TELEGRAM
    replaced: ChatRef | None = None  # the project's agent chat before this binding

    @classmethod
    def of(cls, project: Project) -> BoundChat:
        assert project.agent_chat_id is not None
        return cls(
            project.id,
            project.name,
            project.agent_chat_id,
            project.agent_chat_is_forum,
            Channel(project.agent_chat_platform),
        )


# --- binding ---------------------------------------------------------------------------


async def create_binding_code(project_id: object) -> AgentChatCode:
    """A one-time code for `/connect CODE`, valid for 15 minutes."""
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        raise NotFound("project not found")
    code = secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
    return await AgentChatCode.create(code=code, project=project, expires_at=clock.now() + CODE_TTL)


async def bind_chat(
    code: str, chat_id: int, *, is_forum: bool, platform: Channel = Channel.TELEGRAM
) -> BoundChat:
    """Use the code: the chat becomes the project's agent chat (and no other project's).

    A project has one agent chat, in Telegram or MAX: a chat bound before is told it no longer
    is (a notice queued in the same transaction), and the agent events still waiting for it
    move to the new chat, so nothing a customer sent meanwhile is lost."""
    code = (code or "").strip()
    async with in_transaction():
        record = await AgentChatCode.filter(code=code).select_for_update().first() if code else None
        if record is None or record.used_at is not None:
            raise CodeUnknown("unknown or used code")
        if record.expires_at <= clock.now():
            raise CodeExpired("the code has expired")
        record.used_at = clock.now()
        await record.save(update_fields=["used_at"])
        await (
            Project.filter(agent_chat_id=chat_id, agent_chat_platform=platform)
            .exclude(id=record.project_id)
            .update(agent_chat_id=None, agent_chat_is_forum=False)
        )
        before = await Project.filter(id=record.project_id).select_for_update().get()
        replaced = _previous_chat(before, platform, chat_id)
        await Project.filter(id=record.project_id).update(
            agent_chat_id=chat_id,
            agent_chat_is_forum=is_forum,
            agent_chat_platform=platform,
            agent_chat_lost_at=None,
        )
        if replaced is not None:
            await _hand_over(before, replaced, platform, chat_id)
    bound = BoundChat.of(await Project.get(id=record.project_id))
    return replace(bound, replaced=replaced)


def _previous_chat(project: Project, platform: Channel, chat_id: int) -> ChatRef | None:
    if project.agent_chat_id is None:
        return None
    previous = ChatRef(Channel(project.agent_chat_platform), project.agent_chat_id)
    return None if previous == ChatRef(platform, chat_id) else previous


async def _hand_over(project: Project, old: ChatRef, platform: Channel, chat_id: int) -> None:
    """The old chat hears where the agents went; its waiting agent events go there too."""
    await enqueue_message(
        channel=str(old.platform),
        chat_id=old.chat_id,
        kind=AGENT_CHAT_NOTICE,
        payload={"key": "agent-chat-moved", "project": project.name, "to": str(platform)},
        project_id=project.id,
    )
    await OutboundMessage.filter(
        project_id=project.id,
        kind=notifications.AGENT_EVENT,
        status=DeliveryStatus.PENDING,
        channel=str(old.platform),
        chat_id=old.chat_id,
    ).update(channel=str(platform), chat_id=chat_id)


async def unbind_chat(chat_id: int, platform: Channel = Channel.TELEGRAM) -> BoundChat | None:
    """The binding removed, or None when the chat was not bound."""
    project = await project_for_chat(chat_id, platform)
    if project is None:
        return None
    await Project.filter(id=project.id).update(
        agent_chat_id=None, agent_chat_is_forum=False, agent_chat_lost_at=None
    )
    return BoundChat.of(project)


async def project_for_chat(chat_id: int, platform: Channel = Channel.TELEGRAM) -> Project | None:
    return await Project.filter(agent_chat_id=chat_id, agent_chat_platform=platform).first()


async def mark_lost(chat_id: int, platform: Channel) -> Project | None:
    """The bot was removed from the agent chat: the binding stays (add the bot back and its
    events go out), the agent events wait in the outbox, REST still reads everything."""
    project = await project_for_chat(chat_id, platform)
    if project is None:
        return None
    if project.agent_chat_lost_at is None:
        project.agent_chat_lost_at = clock.now()
        await Project.filter(id=project.id).update(agent_chat_lost_at=project.agent_chat_lost_at)
        log.warning(
            "agent chat %s (%s) of project %s is lost: the bot was removed from it; "
            "agent events wait until it is added back",
            chat_id, platform, project.id,
        )
    return project


async def mark_found(chat_id: int, platform: Channel) -> Project | None:
    """The bot is back in a lost agent chat: the waiting events go out on their next try."""
    project = await project_for_chat(chat_id, platform)
    if project is None or project.agent_chat_lost_at is None:
        return project
    await Project.filter(id=project.id).update(agent_chat_lost_at=None)
    project.agent_chat_lost_at = None
    log.info("agent chat %s (%s) of project %s is back", chat_id, platform, project.id)
    return project


async def migrate_chat(old_chat_id: int, new_chat_id: int) -> Project | None:
    """A group became a supergroup: move the binding and the tickets' topic records."""
    async with in_transaction():
        project = await project_for_chat(old_chat_id, Channel.TELEGRAM)
        if project is None:
            return None
        await Project.filter(id=project.id).update(agent_chat_id=new_chat_id)
        # a migrated group has no topics yet: the old message ids mean nothing there
        await Ticket.filter(project_id=project.id, agent_chat_id=old_chat_id).update(
            agent_chat_id=new_chat_id, agent_topic_id=None, agent_card_message_id=None
        )
        await OutboundMessage.filter(
            project_id=project.id, chat_id=old_chat_id, sent_at=None
        ).update(chat_id=new_chat_id)
    return await Project.get(id=project.id)


async def set_forum(project: Project, is_forum: bool) -> None:
    if project.agent_chat_is_forum != is_forum:
        await Project.filter(id=project.id).update(agent_chat_is_forum=is_forum)
        project.agent_chat_is_forum = is_forum


# --- tickets ----------------------------------------------------------------------------


async def ticket_of_project(project: Project, ticket_id: object) -> Ticket:
    ticket = await Ticket.filter(
        id=parse_uuid(ticket_id, what="ticket"), project_id=project.id
    ).first()
    if ticket is None:
        raise NotFound("ticket not found")
    return await ticket_queries.load(ticket)


# --- relay bookkeeping (used by the agent_event sender) ------------------------------


async def record_topic(
    ticket: Ticket, chat_id: int, topic_id: int | None, card_message_id: int | None
) -> None:
    ticket.agent_chat_id = chat_id
    ticket.agent_topic_id = topic_id
    ticket.agent_card_message_id = card_message_id
    await Ticket.filter(id=ticket.id).update(
        agent_chat_id=chat_id, agent_topic_id=topic_id, agent_card_message_id=card_message_id
    )


async def record_card(ticket: Ticket, card_message_id: int) -> None:
    ticket.agent_card_message_id = card_message_id
    await Ticket.filter(id=ticket.id).update(agent_card_message_id=card_message_id)


async def record_relay(message_id: uuid.UUID, agent_chat_message_id: int) -> None:
    """The copy of a ticket message in the agent chat (for reply routing and edits)."""
    await Message.filter(id=message_id).update(agent_chat_message_id=agent_chat_message_id)


async def history(ticket: Ticket, *, before: uuid.UUID | None = None) -> list[Message]:
    """The last few public messages, for a recreated topic (`before` is shown on its own)."""
    query = Message.filter(ticket_id=ticket.id, internal=False)
    if before is not None:
        query = query.exclude(id=before)
    latest = await query.order_by("-created_at", "-id").limit(HISTORY_SIZE)
    return list(reversed(latest))


# --- edits -----------------------------------------------------------------------------


async def agent_edited(
    project: Project, chat_id: int, agent_chat_message_id: int | str, text: str | None
) -> Message | None:
    """An agent edited a relayed message: store it and edit the customer's copy (48 h).
    `agent_chat_message_id`: a Telegram message id, or a MAX message's mid (a string)."""
    message: Message | None
    if isinstance(agent_chat_message_id, str):
        message = await agent_chat_posts.message_of(project, chat_id, agent_chat_message_id)
    else:
        message = await Message.filter(
            ticket__project_id=project.id,
            ticket__agent_chat_id=chat_id,
            agent_chat_message_id=agent_chat_message_id,
            author=Author.AGENT,
        ).first()
    if message is None or message.author != Author.AGENT:
        return None
    if clock.now() - message.created_at > EDIT_WINDOW:
        raise EditTooLate("messages can be edited within 48 hours")
    body = check_text(text, allow_empty=bool(message.attachments))
    async with in_transaction():
        message.text = body
        message.edited_at = clock.now()
        await message.save(update_fields=["text", "edited_at"])
        if not message.internal:
            await _queue_customer_edit(message, body)
    return message


async def _queue_customer_edit(message: Message, text: str) -> None:
    ticket = await Ticket.get(id=message.ticket_id)
    if ticket.channel != Channel.TELEGRAM or ticket.customer_chat_id is None:
        return
    sent = await OutboundMessage.filter(
        message_id=message.id, kind=notifications.CUSTOMER_TEXT
    ).first()
    result: dict[str, Any] = (sent.result if sent else None) or {}
    sent_ids = result.get("message_ids") or []
    customer_message_id = sent_ids[0] if sent_ids else None
    if customer_message_id is None:
        return
    t = await customer_translator(ticket)
    await enqueue_message(
        channel=str(ticket.channel),
        chat_id=ticket.customer_chat_id,
        kind=CUSTOMER_EDIT,
        payload={
            "message_id": customer_message_id,
            "text": notifications.with_body(t("notify-agent-reply", number=ticket.number), text),
            "as_caption": _sent_as_caption(result),
        },
        project_id=ticket.project_id,
        ticket_id=ticket.id,
        message_id=message.id,
    )


def _sent_as_caption(result: dict[str, Any]) -> bool:
    """The customer's copy carried the text as the first attachment's caption: the sender
    decided it and says so in its result (delivery.telegram.send_customer_text)."""
    return bool(result.get("sent_as_caption"))


async def customer_translator(ticket: Ticket) -> Translator:
    subscriber = (
        await Subscriber.get_or_none(id=ticket.subscriber_id) if ticket.subscriber_id else None
    )
    return translator(subscriber.language_code if subscriber else None)


async def customer_edited_in_chat(
    channel: Channel, chat_id: int, customer_message_id: str, text: str | None
) -> Message | None:
    """A customer edited a message in their messenger chat: the ticket message it became,
    updated and shown to agents; None when the message was not part of a ticket."""
    message = await Message.filter(
        author=Author.CUSTOMER,
        customer_message_id=customer_message_id,
        ticket__channel=channel,
        ticket__customer_chat_id=chat_id,
    ).first()
    if message is None:
        return None
    ticket = await Ticket.get(id=message.ticket_id)
    project = await Project.get(id=ticket.project_id)
    return await customer_edited(project, ticket.id, customer_message_id, text)


async def customer_edited(
    project: Project,
    ticket_id: object,
    customer_message_id: str,
    text: str | None,
) -> Message | None:
    """A customer edited a message in their messenger: store it, show the edit to agents."""
    ticket = await ticket_of_project(project, ticket_id)
    message = await Message.filter(
        ticket_id=ticket.id, author=Author.CUSTOMER, customer_message_id=customer_message_id
    ).first()
    if message is None:
        return None
    body = check_text(text, allow_empty=bool(message.attachments))
    async with in_transaction():
        message.text = body
        message.edited_at = clock.now()
        await message.save(update_fields=["text", "edited_at"])
        await notifications.notify_agents(ticket, CUSTOMER_EDITED, message)
    return message


# --- what the agent_event sender needs ----------------------------------------------


@dataclass
class EventContext:
    ticket: Ticket
    project: Project
    message: Message | None


async def event_context(
    ticket_id: object, message_id: object | None, platform: Channel = Channel.TELEGRAM
) -> EventContext | None:
    """The ticket (type and assignee fetched), its project and the message of an agent event;
    None when the ticket is gone or the project has no agent chat in `platform` any more."""
    ticket = await Ticket.get_or_none(id=ticket_id) if ticket_id else None
    if ticket is None:
        return None
    project = await Project.get(id=ticket.project_id)
    if project.agent_chat_id is None or project.agent_chat_platform != platform:
        return None
    message = None
    if message_id:
        message = await Message.get_or_none(id=message_id).prefetch_related("agent")
    await with_timezone(ticket)
    return EventContext(await ticket_queries.load(ticket), project, message)


async def with_timezone(ticket: Ticket) -> Ticket:
    """Sets `ticket.sla_timezone` (not a column): the project's time zone, in which the card
    and the SLA lines show due times. Read only for a ticket under service levels."""
    zone = "UTC"
    if ticket.sla_warn_before_minutes is not None:
        zone = (await service_levels.timezone_of(ticket.project_id)).key
    setattr(ticket, "sla_timezone", zone)  # noqa: B010 - an attribute, not a model field
    return ticket


async def closed_state_changed(ticket: Ticket, event: dict[str, Any]) -> bool:
    """Did this `status_changed` agent event enter or leave `closed` (topic name and state)?

    The event carries the change's `from`/`to`. A row queued before it did (still pending
    when the new code starts) has neither: it falls back to the ticket's latest webhook
    status event, as before — treating it as unchanged could leave a closed ticket's topic
    open."""
    if "from" in event and "to" in event:
        return TicketStatus.CLOSED in (event["from"], event["to"])
    last = (
        await OutboxEvent.filter(ticket_id=ticket.id, event=outbox.TICKET_STATUS_CHANGED)
        .order_by("-seq")
        .first()
    )
    change = (last.payload.get("data") or {}) if last else {}
    return TicketStatus.CLOSED in (change.get("from"), change.get("to"))
