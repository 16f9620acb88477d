"""A subscriber message's outcome as the sender books it (`outbound.mark_sent` /
`mark_failed`; one statement on PostgreSQL, a transaction on SQLite): the outbound row, the
Notification and one delivery.* event together — and a repeat (a worker that crashed after
booking) changes the row's attempt count only, never the outcome or the events."""

from __future__ import annotations

from models import Notification, OutboundMessage, OutboxEvent
from models.enums import Channel, DeliveryStatus, NotificationStatus
from services import messages, outbound, subscribers


async def queued_message(project, chat_id: int = 501) -> OutboundMessage:
    sub = await subscribers.ensure_subscriber(project.id, Channel.TELEGRAM, chat_id)
    queued = await messages.send_message(project, sub.id, "Hello", [])
    return await OutboundMessage.get(id=queued["id"])


async def test_sent_is_booked_once_with_its_event(project, frozen_clock):
    row = await queued_message(project)
    await outbound.mark_sent(row.id, {"message_ids": [77]}, row=row)
    stored = await OutboundMessage.get(id=row.id)
    assert stored.status == DeliveryStatus.DELIVERED and stored.attempts == 1
    assert stored.result == {"message_ids": [77]} and stored.sent_at is not None
    assert stored.claimed_until is None and stored.last_error is None
    notification = await Notification.get(id=row.id)
    assert notification.status == NotificationStatus.SENT and notification.error is None
    assert notification.sent_at == stored.sent_at
    [event] = await OutboxEvent.filter(event="delivery.sent")
    assert event.project_id == project.id and event.ticket_id is None
    assert event.status == DeliveryStatus.PENDING
    data = event.payload["data"]
    assert data["message_id"] == str(row.id) and data["status"] == "sent"
    assert data["subscriber_id"] == str(notification.subscriber_id)
    assert data["broadcast_id"] is None and data["error"] is None and data["sent_at"]
    assert event.body is not None and '"delivery.sent"' in event.body

    # a repeat: the row counts the attempt, the outcome and its event stay as they were
    await outbound.mark_sent(row.id, {"message_ids": [78]}, row=row)
    await outbound.mark_failed(row.id, "late failure", row=row)
    assert (await Notification.get(id=row.id)).status == NotificationStatus.SENT
    assert await OutboxEvent.filter(event__startswith="delivery.").count() == 1


async def test_failed_and_blocked_are_booked_with_the_reason(project, frozen_clock):
    failed, blocked = await queued_message(project, 601), await queued_message(project, 602)
    await outbound.mark_failed(failed.id, "x" * 600, row=failed)
    await outbound.mark_failed(blocked.id, "Forbidden: bot was blocked", row=blocked, blocked=True)
    row = await OutboundMessage.get(id=failed.id)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert row.last_error == "x" * 500 and row.claimed_until is None
    notification = await Notification.get(id=failed.id)
    assert notification.status == NotificationStatus.FAILED and notification.error == "x" * 500
    assert notification.sent_at is None
    assert (await Notification.get(id=blocked.id)).status == NotificationStatus.BLOCKED
    events = {
        e.payload["data"]["message_id"]: e.payload["data"]
        for e in await OutboxEvent.filter(event="delivery.failed")
    }
    assert events[str(failed.id)]["status"] == "failed"
    assert events[str(failed.id)]["error"] == "x" * 500
    assert events[str(blocked.id)]["status"] == "blocked"
    assert events[str(blocked.id)]["sent_at"] is None
    # a repeat books no second outcome
    await outbound.mark_sent(failed.id, None, row=failed)
    assert (await Notification.get(id=failed.id)).status == NotificationStatus.FAILED
    assert not await OutboxEvent.filter(event="delivery.sent").exists()
