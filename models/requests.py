"""Deep-link requests that bring a website visitor into the messenger helpdesk."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import Channel, RequestStatus
from models.projects import Subscriber, TicketType, project_fk


class HelpdeskRequest(Model):
    project_id: uuid.UUID
    subscriber_id: uuid.UUID | None
    ticket_type_id: uuid.UUID | None
    id = fields.CharField(max_length=16, primary_key=True)
    project = project_fk("requests")
    preferred_channel = fields.CharEnumField(Channel, max_length=16, null=True)
    ticket_type: fields.ForeignKeyNullableRelation[TicketType] = fields.ForeignKeyField(
        "helpdesk.TicketType", related_name="requests", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(RequestStatus, max_length=16, default=RequestStatus.PENDING)
    subscriber: fields.ForeignKeyNullableRelation[Subscriber] = fields.ForeignKeyField(
        "helpdesk.Subscriber", related_name="requests", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharEnumField(Channel, max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(index=True)

    class Meta:
        table = "helpdesk_requests"


class AgentChatCode(Model):
    """One-time code that binds a Telegram group to a project (`/connect CODE`)."""

    project_id: uuid.UUID
    code = fields.CharField(max_length=32, primary_key=True)
    project = project_fk("agent_chat_codes")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "agent_chat_codes"
