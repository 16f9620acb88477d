"""Broadcasts: one text to an audience chosen by tags and channel, at a chosen pace.

Creating one fixes its audience as `BroadcastRecipient` rows (one per active subscriber that
matches) in the creating transaction. `services.broadcast_pacer` later hands them to the
outbound queue at the requested pace; each recipient's outcome is counted by
`messages.record_outcome`, and the last one completes the broadcast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import (
    Broadcast,
    BroadcastRecipient,
    Notification,
    Project,
    Subscriber,
    SubscriberTag,
)
from models.enums import (
    BroadcastState,
    Channel,
    NotificationStatus,
    RecipientState,
    SubscriberStatus,
)
from services import clock, notify_events
from services.errors import Conflict, NotFound
from services.notify_rules import check_buttons, check_tags
from services.serializers import iso
from services.validation import check_text, invalid, parse_uuid

MAX_PER_MINUTE = 60 * 60  # far above any platform's ceiling; the senders' limits still hold
INSERT_BATCH = 1000


def audience_query(
    project_id: Any,
    *,
    tags_all: list[str],
    tags_any: list[str],
    exclude_tags: list[str],
    channel: Channel | None,
) -> QuerySet[Subscriber]:
    """Active subscribers of the project matching the filters (indexed tag lookups)."""

    def tagged(tags: list[str]) -> Subquery:
        return Subquery(
            SubscriberTag.filter(project_id=project_id, tag__in=tags).values("subscriber_id")
        )

    query = Subscriber.filter(project_id=project_id, status=SubscriberStatus.ACTIVE)
    if channel is not None:
        query = query.filter(channel=channel)
    for tag in tags_all:
        query = query.filter(id__in=tagged([tag]))
    if tags_any:
        query = query.filter(id__in=tagged(tags_any))
    if exclude_tags:
        query = query.exclude(id__in=tagged(exclude_tags))
    return query


async def create_broadcast(
    project: Project,
    *,
    text: str,
    buttons: list[list[dict[str, Any]]] | None = None,
    tags_all: list[str] | None = None,
    tags_any: list[str] | None = None,
    exclude_tags: list[str] | None = None,
    channel: Channel | None = None,
    messages_per_minute: int | None = None,
    send_at: datetime | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    text = check_text(text)
    rows = check_buttons(buttons)
    filters = {
        "tags_all": check_tags(tags_all or [], "tags_all"),
        "tags_any": check_tags(tags_any or [], "tags_any"),
        "exclude_tags": check_tags(exclude_tags or [], "exclude_tags"),
    }
    if messages_per_minute is not None and not 1 <= messages_per_minute <= MAX_PER_MINUTE:
        raise invalid("messages_per_minute", f"must be 1 to {MAX_PER_MINUTE}")
    if send_at is not None and send_at.tzinfo is None:
        raise invalid("send_at", "must carry a time zone (e.g. Z)")
    query = audience_query(project.id, channel=channel, **filters)
    if dry_run:
        return {"audience": await query.count()}
    now = clock.now()
    start = max(send_at, now) if send_at is not None else now
    async with in_transaction():
        ids = await query.order_by("created_at", "id").values_list("id", flat=True)
        broadcast = await Broadcast.create(
            project_id=project.id,
            text=text,
            buttons=rows,
            audience_filter={**filters, "channel": str(channel) if channel else None},
            messages_per_minute=messages_per_minute,
            send_at=start,
            state=BroadcastState.SCHEDULED if start > now else BroadcastState.SENDING,
            started_at=None if start > now else now,
            audience=len(ids),
            created_at=now,
        )
        for first in range(0, len(ids), INSERT_BATCH):
            await BroadcastRecipient.bulk_create(
                [
                    BroadcastRecipient(broadcast_id=broadcast.id, subscriber_id=sid)
                    for sid in ids[first : first + INSERT_BATCH]
                ]
            )
        await complete_if_finished(broadcast)  # nobody to send to: done at once
    return {"id": str(broadcast.id), "state": str(broadcast.state), "audience": broadcast.audience}


_OUTCOMES = {
    NotificationStatus.SENT: "sent",
    NotificationStatus.FAILED: "failed",
    NotificationStatus.BLOCKED: "blocked",
}


async def count_outcomes(broadcast: Broadcast) -> int:
    """Fill sent/failed/blocked from its messages and return how many are still queued (one
    grouped count on the (broadcast_id, status) index) — kept off the per-message path,
    where a counter row updated by every outcome would serialize the senders on it."""
    rows = (
        await Notification.filter(broadcast_id=broadcast.id)
        .group_by("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    found = {str(status): int(n) for status, n in rows}
    for status, counter in _OUTCOMES.items():
        setattr(broadcast, counter, found.get(str(status), 0))
    return found.get(str(NotificationStatus.QUEUED), 0)


async def complete_if_finished(broadcast: Broadcast) -> bool:
    """Done once every recipient was handed out and no message is still queued: the final
    counts are stored with the state, and broadcast.completed written (call it inside the
    transaction holding the broadcast row)."""
    if broadcast.state != BroadcastState.SENDING or broadcast.released < broadcast.audience:
        return False
    if await count_outcomes(broadcast):
        return False
    now = clock.now()
    await Broadcast.filter(id=broadcast.id).update(
        state=BroadcastState.DONE,
        finished_at=now,
        sent=broadcast.sent,
        failed=broadcast.failed,
        blocked=broadcast.blocked,
    )
    broadcast.state = BroadcastState.DONE
    broadcast.finished_at = now
    await notify_events.record(
        broadcast.project_id, notify_events.BROADCAST_COMPLETED, broadcast_view(broadcast)
    )
    return True


def broadcast_view(broadcast: Broadcast) -> dict[str, Any]:
    """The API's view; for a broadcast still running, call `count_outcomes` first."""
    return {
        "id": str(broadcast.id),
        "state": str(broadcast.state),
        "audience": broadcast.audience,
        "sent": broadcast.sent,
        "failed": broadcast.failed,
        "blocked": broadcast.blocked,
        "skipped": broadcast.skipped,
        "messages_per_minute": broadcast.messages_per_minute,
        "send_at": iso(broadcast.send_at),
        "created_at": iso(broadcast.created_at),
        "finished_at": iso(broadcast.finished_at),
    }


async def _own(project: Project, broadcast_id: object) -> Broadcast:
    broadcast = await Broadcast.get_or_none(
        id=parse_uuid(broadcast_id, what="broadcast"), project_id=project.id
    )
    if broadcast is None:
        raise NotFound("broadcast not found")
    return broadcast


async def _view(broadcast: Broadcast) -> dict[str, Any]:
    if broadcast.state != BroadcastState.DONE:  # a done one stored its final counts
        await count_outcomes(broadcast)
    return broadcast_view(broadcast)


async def get_broadcast(project: Project, broadcast_id: object) -> dict[str, Any]:
    return await _view(await _own(project, broadcast_id))


async def list_broadcasts(project: Project, limit: int = 50) -> list[dict[str, Any]]:
    rows = await Broadcast.filter(project_id=project.id).order_by("-created_at").limit(limit)
    return [await _view(b) for b in rows]


async def cancel_broadcast(project: Project, broadcast_id: object) -> dict[str, Any]:
    """Stops handing out recipients; messages already queued (at most one pacing window)
    still go out. A finished broadcast cannot be cancelled (409 `conflict`)."""
    async with in_transaction():
        broadcast = await _own(project, broadcast_id)
        broadcast = await Broadcast.filter(id=broadcast.id).select_for_update().get()
        if broadcast.state in (BroadcastState.DONE, BroadcastState.CANCELLED):
            if broadcast.state == BroadcastState.CANCELLED:
                return await _view(broadcast)
            raise Conflict("the broadcast is done already")
        await BroadcastRecipient.filter(
            broadcast_id=broadcast.id, state=RecipientState.PENDING
        ).update(state=RecipientState.SKIPPED)
        now = clock.now()
        await Broadcast.filter(id=broadcast.id).update(
            state=BroadcastState.CANCELLED, finished_at=now
        )
        broadcast.state = BroadcastState.CANCELLED
        broadcast.finished_at = now
    return await _view(broadcast)
