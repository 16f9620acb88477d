"""Tenants and what belongs to them directly: API keys, ticket types, agents, subscribers."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import AgentRole, Channel, SubscriberStatus


def uuid_pk() -> fields.UUIDField:
    """A random UUID primary key (ids in URLs and buttons are not guessable)."""
    return fields.UUIDField(primary_key=True, default=uuid.uuid4)


def project_fk(related_name: str) -> fields.ForeignKeyRelation[Project]:
    """The project a row belongs to; deleting the project deletes the row."""
    return fields.ForeignKeyField(
        "helpdesk.Project", related_name=related_name, on_delete=fields.CASCADE
    )


class Project(Model):
    id = uuid_pk()
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    slug = fields.CharField(max_length=64, unique=True)
    helpdesk_enabled = fields.BooleanField(default=True)
    helpdesk_allow_create = fields.BooleanField(default=True)
    rate_limit = fields.IntField(default=300)  # requests per minute; 0 = unlimited
    agent_chat_id = fields.BigIntField(null=True, index=True)
    agent_chat_is_forum = fields.BooleanField(default=False)
    # which messenger agent_chat_id is in: a project has one agent chat, Telegram or MAX
    agent_chat_platform = fields.CharEnumField(Channel, max_length=16, default=Channel.TELEGRAM)
    # set when the bot was removed from the agent chat: events wait in the outbox meanwhile
    agent_chat_lost_at = fields.DatetimeField(null=True)
    webhook_url = fields.CharField(max_length=2000, null=True)
    webhook_secret = fields.CharField(max_length=200)
    webhook_previous_secret = fields.CharField(max_length=200, null=True)
    webhook_previous_secret_until = fields.DatetimeField(null=True)
    webhook_disabled = fields.BooleanField(default=False)
    # the event types the endpoint takes (a list of names); null: every event type
    webhook_events: fields.Field[list[str] | None] = fields.JSONField(null=True)
    ticket_counter = fields.IntField(default=0)
    # the project's service levels act on customer messages (SLA targets, an out-of-hours
    # reply, a reopen window): the busy customer-message path reads them only then
    service_levels_on = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "projects"


class ApiKey(Model):
    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("api_keys")
    prefix = fields.CharField(max_length=32, unique=True)
    key_hash = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"


class TicketType(Model):
    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("ticket_types")
    name = fields.CharField(max_length=100)
    description = fields.TextField(default="")
    active = fields.BooleanField(default=True)
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_types"
        indexes = (("project_id", "active", "position"),)


class Agent(Model):
    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("agents")
    name = fields.CharField(max_length=200)
    username = fields.CharField(max_length=64, null=True)
    telegram_user_id = fields.BigIntField(null=True)
    max_user_id = fields.BigIntField(null=True)
    # the console's permissions; db_default: agents that existed before roles are agents
    role = fields.CharEnumField(
        AgentRole, max_length=16, default=AgentRole.AGENT, db_default=AgentRole.AGENT.value
    )
    # where the agent came from: "agent_chat" (first action in the bound group) or "manual"
    # (added by the CLI or the console); null for agents created before this was recorded
    origin = fields.CharField(max_length=16, null=True)
    # removed agents stay as rows, so messages they wrote keep their name; they are left out
    # of lists and cannot be assigned (services.agents.remove_agent)
    removed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agents"
        unique_together = (("project_id", "telegram_user_id"), ("project_id", "max_user_id"))


class Subscriber(Model):
    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("subscribers")
    channel = fields.CharEnumField(Channel, max_length=16)
    chat_id = fields.BigIntField()
    first_name = fields.CharField(max_length=200, null=True)
    last_name = fields.CharField(max_length=200, null=True)
    username = fields.CharField(max_length=64, null=True)
    language_code = fields.CharField(max_length=16, null=True)
    # not deliverable: unsubscribed or blocked (`status` says which); the flag delivery and
    # the bots have always honoured, kept in step with `status` by services.subscribers
    blocked = fields.BooleanField(default=False)
    status = fields.CharEnumField(
        SubscriberStatus, max_length=16, default=SubscriberStatus.ACTIVE, db_default="active"
    )
    # the tag set as the API shows it; `SubscriberTag` rows mirror it for indexed filtering
    tags: fields.Field[list[str]] = fields.JSONField(default=list, db_default="[]")
    subscribed_at = fields.DatetimeField(null=True)
    unsubscribed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscribers"
        unique_together = (("project_id", "channel", "chat_id"),)
        # the second serves GET /v1/subscribers: newest first per project, keyset cursor
        indexes = (("channel", "chat_id"), ("project_id", "created_at", "id"))
