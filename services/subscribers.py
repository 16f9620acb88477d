"""Subscribers: a messenger chat's membership of a project, created on first contact (or a
subscribe link), ended by the customer ("Unsubscribe"), by a messenger block or by the API.

`status` says which (active | unsubscribed | blocked); `blocked` is the one flag delivery and
the bots honour ("do not write"), kept equal to `status != active` here and only here. Every
change of status writes its subscription.* webhook event in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypedDict, Unpack

from tortoise.transactions import in_transaction

from models import Message, Subscriber, SubscriberTag, Ticket
from models.enums import Author, Channel, MessageSource, SubscriberStatus
from services import clock, notifications, notify_events, search_words
from services.i18n import translator

BLOCKED_KEY = "system-customer-blocked"
UNSUBSCRIBED_BY_API_KEY = "notify-unsubscribed-by-project"
MAX_TAGS = 20


class ChatProfile(TypedDict, total=False):
    """How the messenger describes the person in a chat (None or absent: not told)."""

    first_name: str | None
    last_name: str | None
    username: str | None
    language_code: str | None


async def ensure_subscriber(
    project_id: uuid.UUID,
    channel: Channel,
    chat_id: int,
    tags: Iterable[str] = (),
    **profile: Unpack[ChatProfile],
) -> Subscriber:
    """The chat's subscriber in the project, created (or subscribed again, refreshed) as
    needed; `tags` are added to its set. A new or returning subscription fires
    subscription.created."""
    async with in_transaction():
        now = clock.now()
        subscriber, created = await Subscriber.get_or_create(
            project_id=project_id,
            channel=channel,
            chat_id=chat_id,
            defaults={
                **{name: profile.get(name) for name in ChatProfile.__annotations__},
                "subscribed_at": now,
                "status": SubscriberStatus.ACTIVE,
            },
        )
        returning = not created and subscriber.status != SubscriberStatus.ACTIVE
        if not created:
            changes: dict[str, Any] = {}
            if returning or subscriber.blocked:
                changes.update(
                    blocked=False,
                    status=SubscriberStatus.ACTIVE,
                    subscribed_at=now,
                    unsubscribed_at=None,
                )
            for name, value in profile.items():
                if value is not None and getattr(subscriber, name) != value:
                    changes[name] = value
            if changes:
                await Subscriber.filter(id=subscriber.id).update(**changes)
                for name, value in changes.items():
                    setattr(subscriber, name, value)
        wanted = [t for t in dict.fromkeys(tags) if t not in (subscriber.tags or [])]
        if wanted:
            await _store_tags(subscriber, [*(subscriber.tags or []), *wanted][-MAX_TAGS:])
        if created or returning:
            await notify_events.record(
                project_id,
                notify_events.SUBSCRIPTION_CREATED,
                {"subscriber": notify_events.subscriber_view(subscriber)},
            )
    return subscriber


async def _store_tags(subscriber: Subscriber, tags: list[str]) -> None:
    """Replace the tag set (the JSON list shown and the indexed rows filtered on)."""
    await Subscriber.filter(id=subscriber.id).update(tags=tags)
    await SubscriberTag.filter(subscriber_id=subscriber.id).delete()
    if tags:
        await SubscriberTag.bulk_create(
            [
                SubscriberTag(
                    project_id=subscriber.project_id,
                    subscriber_id=subscriber.id,
                    tag=t,
                    subscriber_created_at=subscriber.created_at,
                )
                for t in tags
            ]
        )
    subscriber.tags = tags


async def replace_tags(subscriber: Subscriber, tags: list[str]) -> None:
    async with in_transaction():
        await _store_tags(subscriber, list(dict.fromkeys(tags)))


async def end_subscription(subscriber_id: uuid.UUID, reason: str) -> Subscriber | None:
    """Unsubscribe (the customer, or the API) — once: a second call changes nothing and
    returns None. The API's unsubscribe tells the customer in the messenger."""
    async with in_transaction():
        subscriber = (
            await Subscriber.filter(id=subscriber_id).select_for_update().first()
        )
        if subscriber is None or subscriber.status != SubscriberStatus.ACTIVE:
            return None
        await _cancel(subscriber, SubscriberStatus.UNSUBSCRIBED, reason)
        if reason == notify_events.REASON_API:
            t = translator(subscriber.language_code, notifications.default_locale)
            await notifications.enqueue_message(
                channel=str(subscriber.channel),
                chat_id=subscriber.chat_id,
                kind=notifications.CUSTOMER_TEXT,
                payload={"text": t(UNSUBSCRIBED_BY_API_KEY), "attachments": []},
                project_id=subscriber.project_id,
            )
    return subscriber


async def _cancel(subscriber: Subscriber, status: SubscriberStatus, reason: str) -> None:
    now = clock.now()
    await Subscriber.filter(id=subscriber.id).update(
        status=status, blocked=True, unsubscribed_at=now
    )
    subscriber.status = status
    subscriber.blocked = True
    subscriber.unsubscribed_at = now
    await notify_events.record(
        subscriber.project_id,
        notify_events.SUBSCRIPTION_CANCELLED,
        {"subscriber": notify_events.subscriber_view(subscriber), "reason": reason},
    )


async def mark_blocked(
    project_id: uuid.UUID | None,
    channel: str,
    chat_id: int,
    ticket_id: uuid.UUID | None = None,
) -> bool:
    """The customer blocked the bot (or deleted their account): stop writing to them.

    The first refusal flips the subscriber to blocked (subscription.cancelled, reason
    `blocked`), leaves a system message on the ticket and tells the agents; later refusals
    for the same chat change nothing. Returns whether this call did the flip.
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
        if subscriber is None or subscriber.status == SubscriberStatus.BLOCKED:
            return False
        if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
            # gone already (the goodbye itself was refused): no second cancellation
            await Subscriber.filter(id=subscriber.id).update(status=SubscriberStatus.BLOCKED)
            return False
        await _cancel(subscriber, SubscriberStatus.BLOCKED, notify_events.REASON_BLOCKED)
        if ticket is not None:
            t = translator(None, notifications.default_locale)
            message = await Message.create(
                ticket_id=ticket.id,
                project_id=ticket.project_id,
                author=Author.SYSTEM,
                source=MessageSource.SYSTEM,
                text=t(BLOCKED_KEY),
            )
            await search_words.ticket_changed(ticket.id)
            await notifications.notify_agents(ticket, "customer_blocked", message)
        return True
