"""The web console's sign-in: one-time login links and browser sessions (hashes only)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.projects import Agent, project_fk, uuid_pk


class LoginLink(Model):
    """A one-time console sign-in link, valid 15 minutes and used once (hash of the token)."""

    project_id: uuid.UUID
    agent_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("login_links")
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "helpdesk.Agent", related_name="login_links", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "console_login_links"


class ConsoleSession(Model):
    """A signed-in browser (the cookie holds the token, the row its hash)."""

    # over after 7 days without a request (last_seen_at)

    project_id: uuid.UUID
    agent_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("console_sessions")
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "helpdesk.Agent", related_name="console_sessions", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(index=True)

    class Meta:
        table = "console_sessions"
