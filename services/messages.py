"""Messages to one subscriber (POST /v1/messages and each recipient of a broadcast).

A message is a `Notification` (what the API reports) plus an `OutboundMessage` of kind
`notification` (what the sender delivers, through the same durable queue, rate limits and
retries as helpdesk messages, in a lower-priority lane). The sender's outcome is written
back here in the same transaction as the outbound row's (`record_outcome`), with its
delivery.* event. Callback buttons carry a short reference (`nt:<message id>:<row><col>`,
≤ 64 bytes as Telegram demands), never the caller's raw callback.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.transactions import in_transaction

from models import Notification, OutboundMessage, OutboxEvent, Project, Subscriber
from models.enums import NotificationStatus, SubscriberStatus
from services import clock, notify_events, outbox, sql
from services.errors import HelpdeskError, NotFound
from services.notify_rules import check_buttons
from services.outbox import new_message
from services.serializers import iso
from services.validation import check_text, field_uuid, parse_uuid

NOTIFICATION = "notification"  # OutboundMessage.kind
CALLBACK_PREFIX = "nt:"
LANE_MESSAGE = 1  # OutboundMessage.priority: after helpdesk (0), before broadcasts
LANE_BROADCAST = 2


class Unsubscribed(HelpdeskError, code="unsubscribed", http_status=409):
    """The subscriber unsubscribed (or blocked the bot): nothing can be sent to them."""


def platform_buttons(notification_id: uuid.UUID, rows: list[list[dict[str, str]]]) -> list[Any]:
    """The keyboard as the senders take it: url buttons as they are, callbacks by reference."""
    return [
        [
            {"text": b["text"], "url": b["url"]}
            if "url" in b
            else {"text": b["text"], "data": f"{CALLBACK_PREFIX}{notification_id.hex}:{r}{c}"}
            for c, b in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]


def build(
    subscriber: Subscriber,
    text: str,
    buttons: list[list[dict[str, str]]],
    *,
    broadcast_id: uuid.UUID | None = None,
) -> tuple[Notification, OutboundMessage]:
    """The two rows of one message, not saved yet (for `sql.insert`)."""
    now = clock.now()
    notification = sql.new(
        Notification,
        id=uuid.uuid4(),
        project_id=subscriber.project_id,
        subscriber_id=subscriber.id,
        broadcast_id=broadcast_id,
        text=text,
        buttons=buttons,
        status=NotificationStatus.QUEUED,
        created_at=now,
    )
    outbound = new_message(
        channel=str(subscriber.channel),
        chat_id=subscriber.chat_id,
        kind=NOTIFICATION,
        payload={
            "text": text,
            "buttons": platform_buttons(notification.id, buttons),
            "attachments": [],
            # for the outcome's event, so recording it needs no read (services.outbound)
            "subscriber_id": str(subscriber.id),
            "broadcast_id": str(broadcast_id) if broadcast_id else None,
        },
        project_id=subscriber.project_id,
        message_id=notification.id,
    )
    outbound.priority = LANE_BROADCAST if broadcast_id else LANE_MESSAGE
    # one id for both: the sender's outcome for its row is the message's (`record_outcome`)
    outbound.id = notification.id
    return notification, outbound


async def send_message(
    project: Project, subscriber_id: object, text: str, buttons: list[list[dict[str, Any]]] | None
) -> dict[str, Any]:
    text = check_text(text)
    rows = check_buttons(buttons)
    async with in_transaction():
        subscriber = await Subscriber.get_or_none(
            id=field_uuid(subscriber_id, "subscriber_id"), project_id=project.id
        )
        if subscriber is None:
            raise NotFound("subscriber not found")
        if subscriber.status != SubscriberStatus.ACTIVE:
            raise Unsubscribed(f"the subscriber is {subscriber.status}")
        notification, outbound = build(subscriber, text, rows)
        await sql.insert(notification, outbound)
    return {"id": str(notification.id), "status": str(notification.status)}


def message_view(notification: Notification) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "subscriber_id": str(notification.subscriber_id),
        "broadcast_id": str(notification.broadcast_id) if notification.broadcast_id else None,
        "status": str(notification.status),
        "error": notification.error,
        "created_at": iso(notification.created_at),
        "sent_at": iso(notification.sent_at),
    }


async def get_message(project: Project, message_id: object) -> dict[str, Any]:
    notification = await Notification.get_or_none(
        id=parse_uuid(message_id, what="message"), project_id=project.id
    )
    if notification is None:
        raise NotFound("message not found")
    return message_view(notification)


async def record_outcome(
    row: OutboundMessage, status: NotificationStatus, error: str | None = None
) -> None:
    """The sender's verdict on a message (`row`: its outbound row, same id); call inside the
    transaction that finishes that row. Fires delivery.sent / delivery.failed; a broadcast's
    counts and completion are the pacer's (`broadcast_pacer.complete_finished`).
    (services.outbound does the same in one statement on PostgreSQL.)"""
    sent_at = clock.now() if status == NotificationStatus.SENT else None
    queued = Notification.filter(id=row.id, status=NotificationStatus.QUEUED)
    if not await queued.update(status=status, error=error, sent_at=sent_at):
        return  # finished already (a repeat after a crash): reported once
    await outcome_event(row, status, error, sent_at).save(force_create=True)


def outcome_event(
    row: OutboundMessage, status: NotificationStatus, error: str | None, sent_at: Any
) -> OutboxEvent:
    """The delivery.sent / delivery.failed event of a message's outcome, not saved yet."""
    assert row.project_id is not None  # a notification row always names its project
    payload = row.payload or {}
    event = (
        notify_events.DELIVERY_SENT
        if status == NotificationStatus.SENT
        else notify_events.DELIVERY_FAILED
    )
    return outbox.new_project_event(
        row.project_id,
        event,
        {
            "id": str(row.id),
            "message_id": str(row.id),
            "subscriber_id": payload.get("subscriber_id"),
            "broadcast_id": payload.get("broadcast_id"),
            "status": str(status),
            "error": error,
            "created_at": iso(row.created_at),
            "sent_at": iso(sent_at),
        },
    )


async def button_clicked(channel: str, chat_id: int, data: str) -> bool:
    """A customer pressed a callback button of a message: button.clicked with the caller's
    callback. False when the reference is not one of ours or not this chat's."""
    ref = data.removeprefix(CALLBACK_PREFIX)
    hex_id, _, position = ref.partition(":")
    if len(position) != 2 or not position.isdigit():
        return False
    try:
        notification_id = uuid.UUID(hex=hex_id)
    except ValueError:
        return False
    async with in_transaction():
        notification = await Notification.get_or_none(id=notification_id)
        if notification is None:
            return False
        subscriber = await Subscriber.get_or_none(id=notification.subscriber_id)
        here = (channel, chat_id)
        if subscriber is None or (str(subscriber.channel), subscriber.chat_id) != here:
            return False
        r, c = int(position[0]), int(position[1])
        rows = notification.buttons or []
        if r >= len(rows) or c >= len(rows[r]) or "callback" not in rows[r][c]:
            return False
        await notify_events.record(
            notification.project_id,
            notify_events.BUTTON_CLICKED,
            {
                "message_id": str(notification.id),
                "subscriber_id": str(subscriber.id),
                "callback": rows[r][c]["callback"],
                "broadcast_id": str(notification.broadcast_id)
                if notification.broadcast_id
                else None,
            },
        )
    return True
