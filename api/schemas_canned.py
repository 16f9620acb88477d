"""Request and response schemas of /v1/helpdesk/canned-replies (API.md, "Canned replies").

The code pattern and text limit repeat services.canned_replies' so that the published schema
states them; the service still enforces them (and the variables) for every front end."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas import MAX_TEXT, TIME_EXAMPLE, UUID_EXAMPLE, Body, Out, Str, Text

CODE = r"^[a-z0-9_-]{1,32}$"
_EXAMPLE: dict[str, Any] = {
    "code": "shipping",
    "title": "Where is my order",
    "text": "Hello {customer.first_name}! Ticket #{ticket.number}: your order is on its way.",
}


class CannedReplyIn(Body):
    code: Str = Field(pattern=CODE)
    title: Str = Field(min_length=1, max_length=200)
    text: Text = Field(
        min_length=1,
        max_length=MAX_TEXT,
        description="Variables: {customer.first_name} {customer.username} {ticket.number} "
        "{ticket.subject} {agent.name} {project.name}; any other {…} is refused",
    )

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})


class CannedReplyPatch(Body):
    code: Str | None = Field(None, pattern=CODE)
    title: Str | None = Field(None, min_length=1, max_length=200)
    text: Text | None = Field(None, min_length=1, max_length=MAX_TEXT)

    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Order on its way"}]})


class CannedReplyOut(Out):
    id: uuid.UUID
    code: str
    title: str
    text: str
    created_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": UUID_EXAMPLE, **_EXAMPLE, "created_at": TIME_EXAMPLE}]
        }
    )


class CannedReplyList(Out):
    canned_replies: list[CannedReplyOut]


class NoContent(Out):
    """204: no body."""
