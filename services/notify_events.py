"""Webhook events of subscribers, messages and broadcasts (no ticket): written to the same
outbox as the ticket events, inside the transaction of the change, and delivered by the same
worker (signed, retried)."""

from __future__ import annotations

import uuid
from typing import Any

from models import OutboxEvent, Subscriber
from services import outbox
from services.serializers import iso

SUBSCRIPTION_CREATED = "subscription.created"
SUBSCRIPTION_CANCELLED = "subscription.cancelled"
DELIVERY_SENT = "delivery.sent"
DELIVERY_FAILED = "delivery.failed"
BROADCAST_COMPLETED = "broadcast.completed"
BUTTON_CLICKED = "button.clicked"
EVENTS = (
    SUBSCRIPTION_CREATED,
    SUBSCRIPTION_CANCELLED,
    DELIVERY_SENT,
    DELIVERY_FAILED,
    BROADCAST_COMPLETED,
    BUTTON_CLICKED,
)

# why a subscription ended (`data.reason` of subscription.cancelled)
REASON_UNSUBSCRIBED = "unsubscribed"
REASON_BLOCKED = "blocked"
REASON_API = "api"


async def record(project_id: uuid.UUID, event: str, data: dict[str, Any]) -> OutboxEvent:
    """Store a project-level webhook event; call inside the change's transaction."""
    return await outbox.record_project_event(project_id, event, **data)


def subscriber_view(subscriber: Subscriber) -> dict[str, Any]:
    """A subscriber as API.md shows it (and as subscription.* events carry it)."""
    return {
        "id": str(subscriber.id),
        "channel": str(subscriber.channel),
        "chat_id": subscriber.chat_id,
        "first_name": subscriber.first_name,
        "last_name": subscriber.last_name,
        "username": subscriber.username,
        "language": subscriber.language_code,
        "tags": list(subscriber.tags or []),
        "status": str(subscriber.status),
        "blocked": str(subscriber.status) == "blocked",  # the messenger refuses delivery
        "subscribed_at": iso(subscriber.subscribed_at or subscriber.created_at),
        "unsubscribed_at": iso(subscriber.unsubscribed_at),
    }
