"""A project's canned replies: short codes agents answer with (`/r CODE`, REST, CLI)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.projects import project_fk, uuid_pk


class CannedReply(Model):
    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("canned_replies")
    code = fields.CharField(max_length=32)
    title = fields.CharField(max_length=200)
    # the template as saved, `{customer.first_name}` etc. left in (rendered when sent)
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "canned_replies"
        # the unique pair is also the index the list (ordered by code) and `/r CODE` use
        unique_together = (("project_id", "code"),)
