"""Notifications to subscribers: tags, permanent subscribe links, messages and broadcasts."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import BroadcastState, NotificationStatus, RecipientState
from models.projects import Subscriber, project_fk, uuid_pk


class SubscriberTag(Model):
    """One tag of one subscriber: the indexed form of `Subscriber.tags` (filters, audiences)."""

    id = fields.BigIntField(primary_key=True)
    project = project_fk("subscriber_tags")
    project_id: uuid.UUID
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "helpdesk.Subscriber", related_name="tag_rows", on_delete=fields.CASCADE
    )
    subscriber_id: uuid.UUID
    tag = fields.CharField(max_length=32)
    # the subscriber's `created_at` (never changes): a tag's subscribers newest first are
    # one walk down the (project_id, tag, subscriber_created_at, subscriber_id) index —
    # GET /v1/subscribers?tag= reads one page of it, whether the tag is common or rare
    subscriber_created_at = fields.DatetimeField()

    class Meta:
        table = "subscriber_tags"
        unique_together = (("subscriber_id", "tag"),)
        indexes = (("project_id", "tag", "subscriber_created_at", "subscriber_id"),)


class SubscribeLink(Model):
    """`sub_<id>`: a permanent deep link that subscribes with these tags."""

    id = fields.CharField(max_length=16, primary_key=True)
    project = project_fk("subscribe_links")
    project_id: uuid.UUID
    tags: fields.Field[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscribe_links"


class Broadcast(Model):
    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("broadcasts")
    text = fields.TextField()
    buttons: fields.Field[list[Any]] = fields.JSONField(default=list)
    audience_filter: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    messages_per_minute = fields.IntField(null=True)
    send_at = fields.DatetimeField()
    state = fields.CharEnumField(BroadcastState, max_length=16)
    audience = fields.IntField(default=0)
    released = fields.IntField(default=0)  # recipients handed to the outbound queue so far
    sent = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    blocked = fields.IntField(default=0)
    skipped = fields.IntField(default=0)  # unsubscribed before their turn came
    started_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcasts"
        # the pacer's query: broadcasts due to start or still sending
        indexes = (("state", "send_at"), ("project_id", "created_at"))


class BroadcastRecipient(Model):
    """One audience member of a broadcast, fixed when the broadcast is created. The pacer
    claims pending rows by (broadcast, state, id) and turns each into a Notification in the
    same transaction, so a restarted worker neither skips nor repeats anyone."""

    id = fields.BigIntField(primary_key=True)
    broadcast: fields.ForeignKeyRelation[Broadcast] = fields.ForeignKeyField(
        "helpdesk.Broadcast", related_name="recipients", on_delete=fields.CASCADE
    )
    broadcast_id: uuid.UUID
    subscriber_id = fields.UUIDField()
    state = fields.CharEnumField(RecipientState, max_length=16, default=RecipientState.PENDING)

    class Meta:
        table = "broadcast_recipients"
        indexes = (("broadcast_id", "state", "id"),)


class Notification(Model):
    """A message to one subscriber (POST /v1/messages, or one recipient of a broadcast)."""

    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("notifications")
    subscriber_id = fields.UUIDField()
    broadcast_id = fields.UUIDField(null=True)
    text = fields.TextField()
    # rows of {"text", "url"} | {"text", "callback"}, as the API took them
    buttons: fields.Field[list[Any]] = fields.JSONField(default=list)
    status = fields.CharEnumField(
        NotificationStatus, max_length=16, default=NotificationStatus.QUEUED
    )
    error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        indexes = (("broadcast_id", "status"),)
