"""Tickets and their messages."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import Author, Channel, MessageSource, Priority, TicketStatus
from models.projects import Agent, Subscriber, TicketType, project_fk, uuid_pk


class Ticket(Model):
    project_id: uuid.UUID
    subscriber_id: uuid.UUID | None
    ticket_type_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    id = uuid_pk()
    project = project_fk("tickets")
    number = fields.IntField()
    subject = fields.CharField(max_length=200, null=True)
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.NEW)
    priority = fields.CharEnumField(Priority, max_length=16, default=Priority.NORMAL)
    channel = fields.CharEnumField(Channel, max_length=16, default=Channel.VIRTUAL)
    subscriber: fields.ForeignKeyNullableRelation[Subscriber] = fields.ForeignKeyField(
        "helpdesk.Subscriber", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    customer_first_name = fields.CharField(max_length=200, null=True)
    customer_username = fields.CharField(max_length=64, null=True)
    customer_chat_id = fields.BigIntField(null=True)
    ticket_type: fields.ForeignKeyNullableRelation[TicketType] = fields.ForeignKeyField(
        "helpdesk.TicketType", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "helpdesk.Agent", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    agent_chat_id = fields.BigIntField(null=True)
    agent_topic_id = fields.BigIntField(null=True)
    agent_card_message_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    first_response_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    last_customer_message_at = fields.DatetimeField(null=True)
    last_agent_message_at = fields.DatetimeField(null=True)
    # service levels (services.sla). sla_warn_before_minutes null: the project had no target
    # when the ticket was last computed (the summary's `sla` is null)
    sla_warn_before_minutes = fields.IntField(null=True)
    sla_first_response_due_at = fields.DatetimeField(null=True)
    sla_next_response_due_at = fields.DatetimeField(null=True)
    sla_resolution_due_at = fields.DatetimeField(null=True)
    sla_due_at = fields.DatetimeField(null=True)  # the nearest of the three: filters, sort
    # when the timer worker next has something to do for the ticket (warn, breach, close)
    sla_next_check_at = fields.DatetimeField(null=True)
    # paused remaining minutes, targets warned/breached this cycle, out-of-hours reply sent
    sla_state: Any = fields.JSONField(null=True)

    class Meta:
        table = "tickets"
        unique_together = (("project_id", "number"),)
        indexes = (
            ("project_id", "status", "created_at"),
            ("project_id", "created_at"),
            ("project_id", "assignee_id", "created_at"),
            # the console's inbox pages by number (keyset) within a status or an assignee
            ("project_id", "status", "number"),
            ("project_id", "assignee_id", "number"),
            ("project_id", "updated_at"),  # the console's "anything changed?" poll
            ("subscriber_id", "status"),
            ("agent_chat_id", "agent_topic_id"),
            ("project_id", "sla_due_at"),
            # the SLA timer's one query per tick (a field's index=True is not migrated)
            ("sla_next_check_at",),
        )


class Message(Model):
    ticket_id: uuid.UUID
    agent_id: uuid.UUID | None
    id = uuid_pk()
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "helpdesk.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    author = fields.CharEnumField(Author, max_length=16)
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "helpdesk.Agent", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    # the ticket's, copied: a search checks a hit's project in the row it reads anyway
    project_id = fields.UUIDField()
    text = fields.TextField(default="")
    internal = fields.BooleanField(default=False)
    # [{"kind": "photo|document|voice|video|audio", "file_id": ..., "name": ..., "size": ...}]
    attachments: Any = fields.JSONField(default=list)
    source = fields.CharEnumField(MessageSource, max_length=16)
    # messenger message ids, to route replies and edits on both sides
    customer_message_id = fields.CharField(max_length=64, null=True)
    agent_chat_message_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)

    class Meta:
        table = "messages"
        indexes = (("ticket_id", "created_at"), ("agent_chat_message_id",))
