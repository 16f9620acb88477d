"""Bookkeeping of the outbound messenger queue for the senders (delivery/)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import OutboundMessage
from models.enums import DeliveryStatus, NotificationStatus
from services import clock, delivery_queue, messages, sql


async def claim(
    channel: str,
    *,
    limit: int,
    lease: timedelta,
    busy_chats: Collection[int] = (),
    now: datetime | None = None,
) -> list[OutboundMessage]:
    """Due rows of one channel, in order per chat (see services.delivery_queue)."""
    return await delivery_queue.claim(
        OutboundMessage,
        now=now or clock.now(),
        lease=lease,
        limit=limit,
        group_field="chat_id",
        # the lane first: helpdesk messages overtake API messages and running broadcasts
        order_fields=("priority", "created_at", "id"),
        scope={"channel": channel},
        exclude_groups=busy_chats,
    )


async def release(ids: Collection[uuid.UUID]) -> None:
    await delivery_queue.release(OutboundMessage, ids)


async def save_progress(message_id: uuid.UUID, progress: dict[str, Any]) -> None:
    """Persist which parts already went out, so a retry never sends them twice."""
    await OutboundMessage.filter(id=message_id).update(result=progress)


# PostgreSQL: a subscriber message's outcome as one statement (atomic on its own, no
# BEGIN/COMMIT): its outbound row finished, its Notification moved on from `queued` and —
# only when it did (a repeat after a crash reports nothing twice) — its delivery.* event,
# inserted from the `n` CTE. SQLite: the same three writes in a transaction.
_NOTIFICATION_SENT_PG = """
WITH o AS (
    UPDATE outbound_messages SET status = $1, sent_at = $2, result = $3,
        attempts = attempts + 1, claimed_until = NULL, last_error = NULL
    WHERE id = $4
), n AS (
    UPDATE notifications SET status = $5, error = NULL, sent_at = $2
    WHERE id = $4 AND status = $6 RETURNING id
)
"""
_NOTIFICATION_FAILED_PG = """
WITH o AS (
    UPDATE outbound_messages SET status = $1, attempts = attempts + 1, claimed_until = NULL,
        last_error = $2
    WHERE id = $3
), n AS (
    UPDATE notifications SET status = $4, error = $2, sent_at = NULL
    WHERE id = $3 AND status = $5 RETURNING id
)
"""
_RESULT = OutboundMessage._meta.fields_map["result"]


async def mark_sent(
    message_id: uuid.UUID, result: dict[str, Any] | None, *, row: OutboundMessage | None = None
) -> None:
    """`row`: the row itself; a subscriber message records its outcome with it, atomically
    (one statement on PostgreSQL)."""
    now = clock.now()
    if row is not None and row.kind == messages.NOTIFICATION and sql.dialect() != "sqlite":
        values: list[Any] = [
            DeliveryStatus.DELIVERED.value,
            now,
            _RESULT.to_db_value(result, OutboundMessage),
            message_id,
            NotificationStatus.SENT.value,
            NotificationStatus.QUEUED.value,
        ]
        event = messages.outcome_event(row, NotificationStatus.SENT, None, now)
        insert, event_values = sql.insert_from("n", event, len(values) + 1)
        await sql.fetch(_NOTIFICATION_SENT_PG + insert, *values, *event_values)
        return
    update = OutboundMessage.filter(id=message_id).update(
        status=DeliveryStatus.DELIVERED,
        sent_at=now,
        result=result,
        attempts=F("attempts") + 1,
        claimed_until=None,
        last_error=None,
    )
    if row is None or row.kind != messages.NOTIFICATION:
        await update
        return
    async with in_transaction():
        await update
        await messages.record_outcome(row, NotificationStatus.SENT)


async def retry_later(message_id: uuid.UUID, delay: timedelta, error: str) -> None:
    await OutboundMessage.filter(id=message_id).update(
        attempts=F("attempts") + 1,
        next_attempt_at=clock.now() + delay,
        claimed_until=None,
        last_error=error[:500],
    )


async def mark_failed(
    message_id: uuid.UUID,
    error: str,
    *,
    row: OutboundMessage | None = None,
    blocked: bool = False,
) -> None:
    """`row` as for `mark_sent`; `blocked`: the messenger refuses this chat for good."""
    error = error[:500]
    if row is not None and row.kind == messages.NOTIFICATION and sql.dialect() != "sqlite":
        status = NotificationStatus.BLOCKED if blocked else NotificationStatus.FAILED
        values: list[Any] = [
            DeliveryStatus.FAILED.value,
            error,
            message_id,
            status.value,
            NotificationStatus.QUEUED.value,
        ]
        event = messages.outcome_event(row, status, error, None)
        insert, event_values = sql.insert_from("n", event, len(values) + 1)
        await sql.fetch(_NOTIFICATION_FAILED_PG + insert, *values, *event_values)
        return
    update = OutboundMessage.filter(id=message_id).update(
        status=DeliveryStatus.FAILED,
        attempts=F("attempts") + 1,
        claimed_until=None,
        last_error=error,
    )
    if row is None or row.kind != messages.NOTIFICATION:
        await update
        return
    async with in_transaction():
        await update
        status = NotificationStatus.BLOCKED if blocked else NotificationStatus.FAILED
        await messages.record_outcome(row, status, error)


async def update_target(
    message_id: uuid.UUID, *, chat_id: int | None = None, payload: dict[str, Any] | None = None
) -> None:
    """A group migrated to a supergroup, or a topic was recreated: send there from now on."""
    changes: dict[str, Any] = {}
    if chat_id is not None:
        changes["chat_id"] = chat_id
    if payload is not None:
        changes["payload"] = payload
    if changes:
        await OutboundMessage.filter(id=message_id).update(**changes)
