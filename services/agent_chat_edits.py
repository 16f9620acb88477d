"""Edits on either side of the agent chat: an agent edits a message relayed to the customer
(within 48 hours, the customer's copy edited too), or a customer edits a message in their
messenger chat (stored, and the edit shown to agents as a `customer_edited` agent event).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import Message, OutboundMessage, Project, Ticket
from models.enums import Author, Channel
from services import agent_chat, agent_chat_posts, clock, notifications, search_words
from services.errors import ValidationFailed
from services.outbox import enqueue_message
from services.validation import check_text

EDIT_WINDOW = timedelta(hours=48)
CUSTOMER_EDIT = "customer_edit"  # outbound kind: edit the customer's copy of an agent message
CUSTOMER_EDITED = "customer_edited"  # agent event: the customer edited a message


class EditTooLate(ValidationFailed):
    """The relayed message is older than the 48-hour edit window."""


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
        await search_words.ticket_changed(message.ticket_id)
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
    t = await notifications.customer_translator(ticket)
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
    ticket = await agent_chat.ticket_of_project(project, ticket_id)
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
        await search_words.ticket_changed(message.ticket_id)
        await notifications.notify_agents(ticket, CUSTOMER_EDITED, message)
    return message
