"""Handing a broadcast's recipients to the outbound queue at its pace.

Time-driven by services.clock: a broadcast may have released `rate × elapsed` recipients
(+1, the first at once), and never more than `WINDOW_SECONDS` of its pace sit queued and
unsent — so the outbound queue holds only a short stretch of any broadcast, and a helpdesk
reply (a lower lane, claimed first) waits behind at most that stretch. Each release is one
transaction: the broadcast row locked, pending recipients claimed by the
(broadcast_id, state, id) index, their Notification + OutboundMessage rows written and the
recipients marked `queued` together — a worker killed at any point neither skips nor
repeats anyone (the outbound rows then follow the sender's own at-least-once rules).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import Broadcast, BroadcastRecipient, Notification, Subscriber
from models.enums import BroadcastState, NotificationStatus, RecipientState, SubscriberStatus
from services import broadcasts, messages, sql

WINDOW_SECONDS = 2.0


async def start_due(now: datetime) -> int:
    """Scheduled broadcasts whose time has come start sending (pacing counts from now)."""
    return await Broadcast.filter(state=BroadcastState.SCHEDULED, send_at__lte=now).update(
        state=BroadcastState.SENDING, started_at=now
    )


async def sending() -> list[uuid.UUID]:
    ids = await Broadcast.filter(state=BroadcastState.SENDING).values_list("id", flat=True)
    return [uuid.UUID(str(i)) for i in ids]


def allowance(
    broadcast: Broadcast, now: datetime, per_minute: float, outstanding: int
) -> int:
    """How many more recipients may be released now."""
    started = broadcast.started_at or now
    elapsed = max((now - started).total_seconds(), 0.0)
    allowed = min(broadcast.audience, math.floor(per_minute * elapsed / 60) + 1)
    window = max(1, math.ceil(per_minute / 60 * WINDOW_SECONDS))
    return max(0, min(allowed - broadcast.released, window - outstanding))


async def release(broadcast_id: uuid.UUID, now: datetime, ceiling_per_minute: float) -> int:
    """Release what the pace allows now; returns how many recipients were handed out.
    `ceiling_per_minute`: the pace of a broadcast that asked for none (the platform's)."""
    async with in_transaction():
        broadcast = await Broadcast.filter(id=broadcast_id).select_for_update().first()
        if broadcast is None or broadcast.state != BroadcastState.SENDING:
            return 0
        if broadcast.released >= broadcast.audience:
            return 0  # all handed out: `complete_finished` waits for their outcomes
        per_minute = min(broadcast.messages_per_minute or ceiling_per_minute, ceiling_per_minute)
        outstanding = await Notification.filter(
            broadcast_id=broadcast.id, status=NotificationStatus.QUEUED
        ).count()
        count = allowance(broadcast, now, per_minute, outstanding)
        if count == 0:
            return 0
        recipients = (
            await BroadcastRecipient.filter(broadcast_id=broadcast.id, state=RecipientState.PENDING)
            .order_by("id")
            .limit(count)
            .select_for_update(skip_locked=True)
        )
        if not recipients:
            return 0
        found = {
            s.id: s
            for s in await Subscriber.filter(id__in=[r.subscriber_id for r in recipients])
        }
        rows: list[Any] = []
        queued, skipped = [], []
        for recipient in recipients:
            subscriber = found.get(recipient.subscriber_id)
            if subscriber is None or subscriber.status != SubscriberStatus.ACTIVE:
                skipped.append(recipient.id)
                continue
            rows += messages.build(
                subscriber, broadcast.text, broadcast.buttons, broadcast_id=broadcast.id
            )
            queued.append(recipient.id)
        await sql.insert(*rows)
        if queued:
            await BroadcastRecipient.filter(id__in=queued).update(state=RecipientState.QUEUED)
        if skipped:
            await BroadcastRecipient.filter(id__in=skipped).update(state=RecipientState.SKIPPED)
        released = broadcast.released + len(recipients)
        await Broadcast.filter(id=broadcast.id).update(released=released)
        if skipped:
            await Broadcast.filter(id=broadcast.id).update(skipped=F("skipped") + len(skipped))
        return len(recipients)


async def complete_finished(broadcast_id: uuid.UUID) -> bool:
    """A broadcast whose last message got its outcome is done (broadcast.completed)."""
    async with in_transaction():
        broadcast = await Broadcast.filter(id=broadcast_id).select_for_update().first()
        if broadcast is None:
            return False
        return await broadcasts.complete_if_finished(broadcast)


async def tick(now: datetime, ceiling_per_minute: float) -> int:
    """One round of the pacer: start what is due, release what each broadcast may."""
    await start_due(now)
    released = 0
    for broadcast_id in await sending():
        released += await release(broadcast_id, now, ceiling_per_minute)
        await complete_finished(broadcast_id)
    return released
