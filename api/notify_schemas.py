"""Request and response schemas of /v1/subscribers, /v1/subscribe-link, /v1/messages and
/v1/broadcasts (API.md "Additions"). Limits repeat services.notify_rules' for the published
schema; the services enforce them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.schemas import UUID_EXAMPLE, Body, Out, Str, Text
from models.enums import BroadcastState, NotificationStatus, SubscriberStatus
from services.notify_rules import MAX_CALLBACK, MAX_PER_ROW, MAX_ROWS
from services.subscriber_api import MAX_PAGE
from services.subscribers import MAX_TAGS
from services.validation import MAX_TEXT

Tag = Annotated[Str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
Messenger = Literal["telegram", "max"]


class Button(Body):
    text: Str = Field(min_length=1, max_length=64)
    url: Str | None = Field(None, description="An http(s) link (exactly one of url, callback)")
    callback: Str | None = Field(
        None, min_length=1, max_length=MAX_CALLBACK, description="Sent back in button.clicked"
    )


Buttons = Annotated[
    list[Annotated[list[Button], Field(min_length=1, max_length=MAX_PER_ROW)]],
    Field(max_length=MAX_ROWS),
]


class SubscriberQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: Messenger | None = None
    tag: str | None = Field(None, pattern=r"^[a-z0-9_-]{1,32}$")
    status: SubscriberStatus | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(None, max_length=200, description="`next_cursor` of the last page")


class SubscriberOut(Out):
    id: uuid.UUID
    channel: Messenger
    chat_id: int
    first_name: str | None
    username: str | None
    language: str | None
    tags: list[str]
    status: SubscriberStatus
    blocked: bool = Field(description="The messenger refuses delivery")
    subscribed_at: datetime | None
    unsubscribed_at: datetime | None


class SubscriberList(Out):
    subscribers: list[SubscriberOut]
    next_cursor: str | None


class SetTags(Body):
    tags: list[Tag] = Field(max_length=MAX_TAGS, description="Replaces the set")

    model_config = ConfigDict(json_schema_extra={"examples": [{"tags": ["vip", "newsletter"]}]})


class NoContent(Out):
    """No body (204)."""


class SubscribeLinkOut(Out):
    link_id: str
    telegram_link: str | None
    max_link: str | None
    expires_in: int | None = Field(None, description="Always null: the link is permanent")
    tags: list[str]


class SendMessage(Body):
    subscriber_id: uuid.UUID
    text: Text = Field(min_length=1, max_length=MAX_TEXT)
    buttons: Buttons = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"subscriber_id": UUID_EXAMPLE, "text": "Your order has shipped",
                 "buttons": [[{"text": "Track", "url": "https://example.com/t/1"},
                              {"text": "Thanks!", "callback": "thanks:1"}]]}
            ]
        }
    )


class MessageQueued(Out):
    id: uuid.UUID
    status: Literal["queued"]


class NotificationOut(Out):
    """A message to one subscriber (`GET /v1/messages/{id}`); not a ticket's `MessageOut`."""

    id: uuid.UUID
    subscriber_id: uuid.UUID
    status: NotificationStatus
    error: str | None
    created_at: datetime
    sent_at: datetime | None


class CreateBroadcast(Body):
    text: Text = Field(min_length=1, max_length=MAX_TEXT)
    buttons: Buttons = Field(default_factory=list)
    tags_all: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    tags_any: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    exclude_tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    channel: Messenger | None = None
    messages_per_minute: StrictInt | None = Field(None, ge=1, le=3600)
    send_at: datetime | None = Field(None, description="ISO-8601 with a zone; absent: now")
    dry_run: StrictBool = False

    # a timestamp arrives as a JSON string: parse it even in strict mode
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [{"text": "Sale starts today", "tags_any": ["vip"],
                          "messages_per_minute": 600}]
        },
    )


class BroadcastCreated(Out):
    id: uuid.UUID | None = None
    state: BroadcastState | None = None
    audience: int


class BroadcastOut(Out):
    id: uuid.UUID
    state: BroadcastState
    audience: int
    sent: int
    failed: int
    blocked: int
    created_at: datetime
    finished_at: datetime | None
