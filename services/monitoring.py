"""Cheap aggregate reads for the metrics endpoint: outbox backlog and tickets by status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count, Min

from models import OutboundMessage, OutboxEvent, Ticket
from models.enums import Channel, DeliveryStatus, TicketStatus
from services import clock

WEBHOOKS = "webhooks"
# the webhook outbox, then one messenger queue per channel
QUEUES = (WEBHOOKS, str(Channel.TELEGRAM), str(Channel.MAX))


def _as_datetime(value: Any) -> datetime | None:
    """MIN() of a datetime column: a datetime on PostgreSQL, an ISO string on SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _age(now: datetime, oldest: Any) -> float:
    when = _as_datetime(oldest)
    return max(0.0, (now - when).total_seconds()) if when is not None else 0.0


async def outbox_backlog() -> dict[str, tuple[int, float]]:
    """queue → (rows waiting, age in seconds of the oldest one); every queue is present."""
    now = clock.now()
    backlog = {queue: (0, 0.0) for queue in QUEUES}
    events = (
        await OutboxEvent.filter(status=DeliveryStatus.PENDING)
        .annotate(n=Count("id"), oldest=Min("occurred_at"))
        .group_by("status")
        .values("n", "oldest")
    )
    for row in events:
        backlog[WEBHOOKS] = (int(row["n"]), _age(now, row["oldest"]))
    messages = (
        await OutboundMessage.filter(status=DeliveryStatus.PENDING)
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .group_by("channel")
        .values("channel", "n", "oldest")
    )
    for row in messages:
        backlog[str(row["channel"])] = (int(row["n"]), _age(now, row["oldest"]))
    return backlog


async def tickets_by_status() -> dict[str, int]:
    """status → tickets across all projects; every status is present (0 when none)."""
    counts = {str(status): 0 for status in TicketStatus}
    rows = await Ticket.annotate(n=Count("id")).group_by("status").values("status", "n")
    for row in rows:
        counts[str(row["status"])] = int(row["n"])
    return counts
