"""Subscribers: a messenger chat's membership of a project, created on first contact and
flagged blocked when the customer blocks the bot."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict, Unpack

from tortoise.transactions import in_transaction

from models import Message, Subscriber, Ticket
from models.enums import Author, Channel, MessageSource
from services import notifications
from services.i18n import translator

BLOCKED_KEY = "system-customer-blocked"


class ChatProfile(TypedDict, total=False):
    """How the messenger describes the person in a chat (None or absent: not told)."""

    first_name: str | None
    last_name: str | None
    username: str | None
    language_code: str | None


async def ensure_subscriber(
    project_id: uuid.UUID, channel: Channel, chat_id: int, **profile: Unpack[ChatProfile]
) -> Subscriber:
    """The chat's subscriber in the project, created (or unblocked, refreshed) as needed."""
    subscriber, created = await Subscriber.get_or_create(
        project_id=project_id,
        channel=channel,
        chat_id=chat_id,
        defaults={name: profile.get(name) for name in ChatProfile.__annotations__},
    )
    if not created:
        changes: dict[str, Any] = {"blocked": False}
        for name, value in profile.items():
            if value is not None and getattr(subscriber, name) != value:
                changes[name] = value
        if len(changes) > 1 or subscriber.blocked:
            await Subscriber.filter(id=subscriber.id).update(**changes)
            for name, value in changes.items():
                setattr(subscriber, name, value)
    return subscriber


async def mark_blocked(
    project_id: uuid.UUID | None,
    channel: str,
    chat_id: int,
    ticket_id: uuid.UUID | None = None,
) -> bool:
    """The customer blocked the bot (or deleted their account): stop writing to them.

    The first refusal flips the subscriber to blocked, leaves a system message on the ticket
    and tells the agents; later refusals for the same chat change nothing. Returns whether
    this call did the flip.
    """
    async with in_transaction():
        ticket = await Ticket.get_or_none(id=ticket_id) if ticket_id else None
        if project_id is None and ticket is not None:
            project_id = ticket.project_id
        if project_id is None:
            return False
        subscriber = (
            await Subscriber.filter(project_id=project_id, channel=channel, chat_id=chat_id)
            .select_for_update()
            .first()
        )
        if subscriber is None or subscriber.blocked:
            return False
        await Subscriber.filter(id=subscriber.id).update(blocked=True)
        if ticket is not None:
            t = translator(None, notifications.default_locale)
            message = await Message.create(
                ticket_id=ticket.id,
                author=Author.SYSTEM,
                source=MessageSource.SYSTEM,
                text=t(BLOCKED_KEY),
            )
            await notifications.notify_agents(ticket, "customer_blocked", message)
        return True
