"""Messenger notifications for customers and the agent chat, queued in the outbox."""

from __future__ import annotations

from typing import Any

from models import Message, OutboundMessage, Project, Subscriber, Ticket
from models.enums import Channel
from services.i18n import Translator, translator
from services.outbox import enqueue_message, new_message

CUSTOMER_TEXT = "customer_text"  # payload: text, buttons, attachments
# payload: event, ticket_id, message_id (+ "from"/"to" for status_changed): the agent chat
# renders it
AGENT_EVENT = "agent_event"

default_locale = "en"


def with_body(line: str, body: str | None) -> str:
    """A localized line with a person's own words below it (kept out of Fluent's 2500 cap)."""
    return f"{line}\n{body}" if body else line


async def notify_customer(
    ticket: Ticket,
    key: str,
    *,
    message: Message | None = None,
    open_button: bool = False,
    body: str | None = None,
    subscriber: Subscriber | None = None,
    text: str | None = None,
    **args: Any,
) -> None:
    """Queue a localized text for the ticket's customer, if they are reachable in a messenger.

    `body` (a person's own words) is appended below the localized line rather than passed to
    Fluent, which refuses placeables over 2500 characters. `subscriber`: the ticket's
    subscriber when the caller has just read or written it (saves reading it again).
    """
    if ticket.channel == Channel.VIRTUAL or ticket.customer_chat_id is None:
        return
    if subscriber is None or subscriber.id != ticket.subscriber_id:
        subscriber = (
            await Subscriber.get_or_none(id=ticket.subscriber_id) if ticket.subscriber_id else None
        )
    if subscriber is not None and subscriber.blocked:
        return
    t = translator(subscriber.language_code if subscriber else None, default_locale)
    payload: dict[str, Any] = {
        "text": with_body(text or t(key, number=ticket.number, **args), body),
        "ticket_id": str(ticket.id),
        "ticket_number": ticket.number,
        "attachments": list(message.attachments) if message else [],
    }
    if open_button:
        payload["buttons"] = [
            [{"text": t("button-open-ticket", number=ticket.number),
              "data": f"open_ticket:{ticket.id}"}]
        ]
    await enqueue_message(
        channel=str(ticket.channel),
        chat_id=ticket.customer_chat_id,
        kind=CUSTOMER_TEXT,
        payload=payload,
        project_id=ticket.project_id,
        ticket_id=ticket.id,
        message_id=message.id if message else None,
    )


async def customer_translator(ticket: Ticket) -> Translator:
    """The texts in the language of the ticket's customer (English when it is not known)."""
    subscriber = (
        await Subscriber.get_or_none(id=ticket.subscriber_id) if ticket.subscriber_id else None
    )
    return translator(subscriber.language_code if subscriber else None)


_UNREAD: Any = object()


async def notify_agents(
    ticket: Ticket,
    event: str,
    message: Message | None = None,
    *,
    agent_chat_id: int | None = _UNREAD,
    platform: str = Channel.TELEGRAM,
    data: dict[str, Any] | None = None,
) -> None:
    """Queue an event for the project's agent chat, if one is bound.

    `agent_chat_id`, `platform`: the project's agent chat as the caller read it in this
    transaction (None = not bound); by default both are read here. `data`: more keys for
    the payload.
    """
    if agent_chat_id is _UNREAD:
        project = await Project.get(id=ticket.project_id).only(
            "id", "agent_chat_id", "agent_chat_platform"
        )
        agent_chat_id, platform = project.agent_chat_id, project.agent_chat_platform
    outbound = agent_event(
        ticket, event, message, agent_chat_id=agent_chat_id, platform=platform, data=data
    )
    if outbound is not None:
        await outbound.save(force_create=True)


def agent_event(
    ticket: Ticket,
    event: str,
    message: Message | None,
    *,
    agent_chat_id: int | None,
    platform: str = Channel.TELEGRAM,
    data: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    """The row `notify_agents` stores, not saved yet (None: no agent chat bound). It goes
    to the sender of the agent chat's messenger (`platform`), which renders it."""
    if agent_chat_id is None:
        return None
    payload: dict[str, Any] = {
        "event": event,
        "ticket_id": str(ticket.id),
        "message_id": str(message.id) if message else None,
    }
    if data:
        payload.update(data)
    return new_message(
        channel=str(platform),
        chat_id=agent_chat_id,
        kind=AGENT_EVENT,
        payload=payload,
        project_id=ticket.project_id,
        ticket_id=ticket.id,
        message_id=message.id if message else None,
    )
