"""Webhook use cases for the CLI: the delivery log of a project, replaying an event, the
signing secret and a disabled endpoint. The sending itself is `delivery.webhooks`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import OutboxEvent, WebhookAttempt
from models.enums import DeliveryStatus
from services import clock
from services.errors import NotFound
from services.projects import get_project, rotate_webhook_secret, update_project
from services.serializers import iso
from services.validation import parse_uuid

_ATTEMPT_FIELDS = ("status_code", "error", "duration_ms")  # shown as stored


def attempt_view(attempt: WebhookAttempt) -> dict[str, Any]:
    view = {name: getattr(attempt, name) for name in _ATTEMPT_FIELDS}
    return {"attempted_at": iso(attempt.attempted_at), **view}


def event_view(event: OutboxEvent, attempts: Iterable[WebhookAttempt] = ()) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "event": event.event,
        "ticket_id": str(event.ticket_id) if event.ticket_id else None,
        "status": str(event.status),
        "attempts": event.attempts,
        "occurred_at": iso(event.occurred_at),
        "next_attempt_at": iso(event.next_attempt_at)
        if event.status == DeliveryStatus.PENDING
        else None,
        "delivered_at": iso(event.delivered_at),
        "last_error": event.last_error,
        "log": [attempt_view(a) for a in attempts],
    }


async def list_deliveries(
    project_id: object, *, failed_only: bool = False, limit: int = 100
) -> dict[str, Any]:
    """Recent events of a project with their attempts; `failed_only`: not delivered and
    either given up or failing right now."""
    project = await get_project(project_id)
    query = OutboxEvent.filter(project_id=project.id)
    if failed_only:
        query = query.filter(
            Q(status=DeliveryStatus.FAILED)
            | Q(status=DeliveryStatus.PENDING, last_error__isnull=False)
        )
    events = await query.order_by("-seq").limit(limit)
    log_by_event: dict[uuid.UUID, list[WebhookAttempt]] = defaultdict(list)
    for attempt in await WebhookAttempt.filter(event_id__in=[e.id for e in events]).order_by(
        "attempted_at", "id"
    ):
        log_by_event[attempt.event_id].append(attempt)  # type: ignore[attr-defined]
    return {
        "project_id": str(project.id),
        "webhook_url": project.webhook_url,
        "webhook_disabled": project.webhook_disabled,
        "events": list(project.webhook_events) if project.webhook_events else None,
        "deliveries": [event_view(e, log_by_event[e.id]) for e in events],
    }


REPLAYED = "replay requested"  # the attempt-log line a replay adds


async def replay_event(event_id: object) -> dict[str, Any]:
    """Queue an event again, now; the webhook-id stays the event id, so receivers that
    already have it can tell it is the same event. The history stays: `attempts` goes on
    counting and the log gains a "replay requested" line before the new attempts. A failed
    replay is retried on the schedule from where its count stands (an event that had used
    up its schedule gets this one attempt; replay again for another)."""
    event = await OutboxEvent.get_or_none(id=parse_uuid(event_id, what="event"))
    if event is None:
        raise NotFound("event not found")
    now = clock.now()
    async with in_transaction():
        await OutboxEvent.filter(id=event.id).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            claimed_until=None,
            delivered_at=None,
            last_error=None,
        )
        await WebhookAttempt.create(event_id=event.id, attempted_at=now, error=REPLAYED)
    await event.refresh_from_db()
    return event_view(event, await _log_of(event.id))


async def _log_of(event_id: uuid.UUID) -> list[WebhookAttempt]:
    return list(await WebhookAttempt.filter(event_id=event_id).order_by("attempted_at", "id"))


async def rotate_secret(project_id: object) -> dict[str, Any]:
    project = await rotate_webhook_secret(project_id)
    return {
        "project_id": str(project.id),
        "webhook_secret": project.webhook_secret,
        "previous_secret_valid_until": iso(project.webhook_previous_secret_until),
    }


async def enable_endpoint(project_id: object) -> dict[str, Any]:
    """Resume delivery to a project's endpoint after a 410 (its pending events go out)."""
    project = await update_project(project_id, webhook_disabled=False)
    pending = await OutboxEvent.filter(project_id=project.id, status=DeliveryStatus.PENDING).count()
    return {"project_id": str(project.id), "webhook_disabled": False, "pending": pending}


__all__ = [
    "enable_endpoint",
    "event_view",
    "list_deliveries",
    "replay_event",
    "rotate_secret",
]
