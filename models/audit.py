"""The audit log: who changed which setting of a project, and when."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.projects import project_fk


class AuditEntry(Model):
    """One change to a project's settings, written in the transaction of the change.

    `actor` is "agent" (then `actor_agent_id` and `actor_name` say which one; the name is a
    snapshot, so an entry still reads right after the agent is renamed or removed), or the
    front end that acted without a person: "cli", "api", "system"."""

    project_id: uuid.UUID
    id = fields.BigIntField(primary_key=True)
    project = project_fk("audit_entries")
    actor = fields.CharField(max_length=16)
    actor_agent_id = fields.UUIDField(null=True)
    actor_name = fields.CharField(max_length=200, null=True)
    action = fields.CharField(max_length=64)  # e.g. "ticket_type.renamed"
    target_type = fields.CharField(max_length=32)
    target_id = fields.CharField(max_length=64, null=True)
    # {"field": [old, new], ...}; secrets and keys never appear, only that they changed
    changes: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "audit_entries"
        indexes = (("project_id", "created_at"),)
