"""The transactional outbox: webhook events and messenger messages waiting to be delivered."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import DeliveryStatus
from models.projects import Project, project_fk, uuid_pk


class OutboxEvent(Model):
    """A webhook event, stored in the same transaction as the change that caused it."""

    id = uuid_pk()
    project = project_fk("events")
    project_id: uuid.UUID
    ticket_id = fields.UUIDField(null=True)
    seq = fields.BigIntField(default=0)  # order of events within a ticket
    event = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField()
    # the webhook body as sent and signed (the payload encoded once, when the event is
    # written); NULL on rows written before it existed: those are encoded from `payload`
    body = fields.TextField(null=True)
    occurred_at = fields.DatetimeField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "outbox_events"
        # the webhook claim walks pending rows in `seq` order and looks up a ticket's pending
        # rows (`delivery_queue.claim_events`); the ticket index also serves "its latest event"
        indexes = (("status", "seq"), ("ticket_id", "status", "seq"))


class WebhookAttempt(Model):
    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[OutboxEvent] = fields.ForeignKeyField(
        "helpdesk.OutboxEvent", related_name="attempt_log", on_delete=fields.CASCADE
    )
    attempted_at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    error = fields.CharField(max_length=500, null=True)
    duration_ms = fields.IntField(default=0)

    class Meta:
        table = "webhook_attempts"


class OutboundMessage(Model):
    """A message (or other call) for a messenger chat, sent by the delivery worker."""

    id = uuid_pk()
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "helpdesk.Project", related_name="outbound", null=True, on_delete=fields.CASCADE
    )
    project_id: uuid.UUID | None
    channel = fields.CharField(max_length=16)  # telegram | max
    chat_id = fields.BigIntField()
    kind = fields.CharField(max_length=32)  # what to do: "text", "copy", "agent_card", ...
    payload: fields.Field[dict[str, Any]] = fields.JSONField()
    ticket_id = fields.UUIDField(null=True)
    message_id = fields.UUIDField(null=True)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    result: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # the claim's lane: 0 helpdesk (customer replies, notices), 1 API messages, 2 broadcasts;
    # a lower number is claimed first, so a running broadcast never holds up a reply
    priority = fields.SmallIntField(default=0, db_default=0)

    class Meta:
        table = "outbound_messages"
        indexes = (("status", "next_attempt_at"), ("channel", "chat_id", "created_at"))


class IdempotencyRecord(Model):
    id = fields.BigIntField(primary_key=True)
    project = project_fk("idempotency_records")
    key = fields.CharField(max_length=255)
    request_hash = fields.CharField(max_length=64)
    status_code = fields.IntField(null=True)  # null while the first request is running
    response_body: fields.Field[Any] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(index=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("project_id", "key"),)
