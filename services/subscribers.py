"""Subscriber use cases that the delivery side needs."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from models import Message, Subscriber, Ticket
from models.enums import Author, MessageSource
from services import notifications
from services.i18n import translator

BLOCKED_KEY = "system-customer-blocked"


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
