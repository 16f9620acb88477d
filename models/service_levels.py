"""A project's service levels: business hours, SLA targets, out-of-hours reply, auto-close."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.projects import Project, uuid_pk


class ServiceLevels(Model):
    """One row per project (none = the defaults of services.service_levels). `settings` is
    the validated document of API.md "Service levels", stored as given."""

    project_id: uuid.UUID
    id = uuid_pk()
    project: fields.OneToOneRelation[Project] = fields.OneToOneField(
        "helpdesk.Project", related_name="service_levels", on_delete=fields.CASCADE
    )
    settings: Any = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "service_levels"
