"""Periodic clean-up: expire helpdesk requests, purge idempotency keys, prune the outbox.

Each step is one bulk statement, safe to run from several worker processes at once (a row
another process already changed or deleted is simply not matched again).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from tortoise.expressions import Q, Subquery

from models import HelpdeskRequest, OutboundMessage, OutboxEvent, WebhookAttempt
from models.enums import DeliveryStatus, RequestStatus
from services import clock, idempotency
from services.outbox import FILTERED, NO_URL

DEFAULT_RETENTION = timedelta(days=7)
# finished rows (delivered, or given up) are kept this long for `webhooks deliveries` & co.
FINISHED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)


@dataclass(frozen=True)
class Report:
    requests_expired: int = 0
    idempotency_purged: int = 0
    webhook_attempts_pruned: int = 0
    webhook_events_pruned: int = 0
    messages_pruned: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


async def expire_requests() -> int:
    """Pending requests past their expiry become `expired` (reads already treat them so)."""
    return await HelpdeskRequest.filter(
        status=RequestStatus.PENDING, expires_at__lte=clock.now()
    ).update(status=RequestStatus.EXPIRED)


async def prune_outbox(retention: timedelta = DEFAULT_RETENTION) -> tuple[int, int, int]:
    """Delete finished outbox rows and webhook attempts older than `retention`.

    Pending rows are never touched, whatever their age, nor disabled ones but those closed
    for want of a webhook URL or filtered out by the project's event types (nothing to
    resume: without this they pile up forever).
    Returns (attempts, events, messages) deleted.
    """
    cutoff = clock.now() - retention
    old_attempts = await WebhookAttempt.filter(attempted_at__lt=cutoff).delete()
    # the attempts left are recent: an event that has one is still being looked at
    recent = Subquery(WebhookAttempt.all().values("event_id"))
    events = await (
        OutboxEvent.filter(
            Q(status__in=FINISHED)
            | Q(status=DeliveryStatus.DISABLED, last_error__in=(NO_URL, FILTERED)),
            occurred_at__lt=cutoff,
        )
        .filter(Q(delivered_at=None) | Q(delivered_at__lt=cutoff))
        .exclude(id__in=recent)
        .delete()
    )
    messages = await (
        OutboundMessage.filter(status__in=FINISHED, created_at__lt=cutoff)
        .filter(Q(sent_at=None) | Q(sent_at__lt=cutoff))
        .delete()
    )
    return old_attempts, events, messages


async def run_housekeeping(retention: timedelta = DEFAULT_RETENTION) -> Report:
    attempts, events, messages = await prune_outbox(retention)
    return Report(
        requests_expired=await expire_requests(),
        idempotency_purged=await idempotency.purge_expired(),
        webhook_attempts_pruned=attempts,
        webhook_events_pruned=events,
        messages_pruned=messages,
    )
