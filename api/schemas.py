"""Request and response schemas of /v1/helpdesk (API.md): tickets, requests, the catalog, the
error envelope, and the blocks every area's schemas share (`Body`, `Out`, `Str`). The other
areas: api.schemas_settings (settings, satisfaction report), api.schemas_canned (canned
replies), api.notify_schemas (/v1). The OpenAPI document is built from them.

Request bodies are strict (a `chat_id` must be a JSON number, `text` a string). The length
limits repeat services.validation's so that the published schema states them; the services
still enforce them for every front end.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from models.enums import Author, Channel, Priority, RequestStatus, TicketStatus
from services.validation import MAX_SUBJECT, MAX_TEXT

UUID_EXAMPLE = "550e8400-e29b-41d4-a716-446655440000"
TYPE_EXAMPLE = "6f1c2a9e-3b7d-4e2f-9a61-0c5d8e7b4a13"
AGENT_EXAMPLE = "0b8f4c1e-7a2d-4f6b-8e3c-5d9a1b2c3d4e"
TIME_EXAMPLE = "2026-03-05T12:00:00.000Z"
REQUEST_ID_PATTERN = r"^[A-Za-z0-9]{16}$"
STATUS_LIST_PATTERN = (
    r"^(new|open|in_progress|waiting|closed)(,(new|open|in_progress|waiting|closed))*$"
)

# The columns are 64-bit; a bigger number must be a 400, not a database error.
CHAT_ID_MAX = 2**63 - 1
MAX_OFFSET = 2**31 - 1
MAX_QUERY = 200  # search words (services.search reads the first few)

# PostgreSQL text cannot hold NUL; refusing it here keeps it a 400 on every backend.
NO_NUL = r"^[^\x00]*$"
Str = Annotated[StrictStr, Field(pattern=NO_NUL)]
Text = Str
SettableStatus = Literal["open", "in_progress", "waiting", "closed"]


class Body(BaseModel):
    """Strict JSON bodies; unknown fields are ignored so clients may send more."""

    model_config = ConfigDict(strict=True, extra="ignore")


class CreateTicket(Body):
    text: Text = Field(min_length=1, max_length=MAX_TEXT, description="First message text")
    subject: Str | None = Field(None, max_length=MAX_SUBJECT)
    channel: Channel = Channel.VIRTUAL
    chat_id: StrictInt | None = Field(
        None, ge=-CHAT_ID_MAX, le=CHAT_ID_MAX, description="Messenger chat id (telegram/max)"
    )
    first_name: Str | None = Field(None, max_length=200)
    username: Str | None = Field(None, max_length=64)
    ticket_type_id: uuid.UUID | None = Field(None, description="An active ticket type")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "My order #1234 has not arrived", "subject": "Order not delivered"},
                {"text": "Hello", "channel": "telegram", "chat_id": 123456789,
                 "first_name": "Anna", "ticket_type_id": TYPE_EXAMPLE},
            ]
        }
    )


class AgentReply(Body):
    # declared before `text`, whose check reads it
    canned_reply_id: uuid.UUID | None = Field(
        None, description="Send this canned reply, rendered for the ticket (instead of `text`)"
    )
    text: Text | None = Field(
        None, min_length=1, max_length=MAX_TEXT, validate_default=True,
        description="Required unless `canned_reply_id` is given (exactly one of the two)",
    )
    internal: StrictBool = Field(False, description="A note only agents see")
    user_id: uuid.UUID | None = Field(None, description="An agent of this project")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "We are on it!", "user_id": AGENT_EXAMPLE},
                {"canned_reply_id": UUID_EXAMPLE, "user_id": AGENT_EXAMPLE},
            ]
        }
    )

    @field_validator("text")
    @classmethod
    def _text_or_canned_reply(cls, text: str | None, info: ValidationInfo) -> str | None:
        if "canned_reply_id" not in info.data:
            return text  # canned_reply_id itself was invalid: that error is enough
        canned = info.data["canned_reply_id"] is not None
        if text is None and not canned:
            raise PydanticCustomError("missing", "Field required")
        if text is not None and canned:
            raise PydanticCustomError("text_and_canned", "give either text or canned_reply_id")
        return text


class CustomerReply(Body):
    text: Text = Field(min_length=1, max_length=MAX_TEXT)

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Any news?"}]})


class ChangeStatus(Body):
    status: SettableStatus = Field(description="`new` cannot be set")

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "closed"}]})


class Assign(Body):
    user_id: uuid.UUID = Field(description="An agent of this project (GET /agents)")

    model_config = ConfigDict(json_schema_extra={"examples": [{"user_id": AGENT_EXAMPLE}]})


class SetPriority(Body):
    priority: Priority

    model_config = ConfigDict(json_schema_extra={"examples": [{"priority": "high"}]})


class CreateRequest(Body):
    channel: Literal["telegram", "max"] | None = Field(
        None, description="Only this channel's link is returned"
    )
    ticket_type_id: uuid.UUID | None = Field(None, description="Preselected ticket type")

    model_config = ConfigDict(json_schema_extra={"examples": [{"channel": "telegram"}]})


class ListQuery(BaseModel):
    """Query strings are text, so these are validated leniently (`limit=10` → 10)."""

    model_config = ConfigDict(extra="ignore")

    status: str | None = Field(
        None,
        pattern=STATUS_LIST_PATTERN,
        description="One state or several, comma-separated",
        examples=["new,in_progress"],
    )
    assigned_to: uuid.UUID | None = None
    channel: Channel | None = None
    sla: Literal["warning", "breached"] | None = Field(
        None, description="Tickets whose nearest due time is near (warning) or passed"
    )
    sort: Literal["created", "due"] = Field(
        "created", description="`due`: nearest due time first, tickets without one last"
    )
    q: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_QUERY,
        pattern=NO_NUL,
        description="Words to search for in subjects and messages (internal notes too); "
        "the list is then ranked by relevance, ties newest first",
        examples=["order delayed"],
    )
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def statuses(self) -> list[TicketStatus]:
        return [TicketStatus(s) for s in self.status.split(",")] if self.status else []


# ---- responses ------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class AssigneeOut(Out):
    id: uuid.UUID
    name: str


class TicketSla(Out):
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    status: Literal["ok", "warning", "breached"]


class TicketSummary(Out):
    id: uuid.UUID
    ticket_number: int
    status: TicketStatus
    priority: Priority
    channel: Channel
    ticket_type_id: uuid.UUID | None
    ticket_type_name: str | None
    subject: str | None
    assignee: AssigneeOut | None
    subscriber_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    sla: TicketSla | None = Field(None, description="Due times; null without SLA targets")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": UUID_EXAMPLE, "ticket_number": 42, "status": "new",
                 "priority": "normal", "channel": "virtual", "ticket_type_id": None,
                 "ticket_type_name": None, "subject": "Order not delivered",
                 "assignee": None, "subscriber_id": None,
                 "created_at": TIME_EXAMPLE, "updated_at": TIME_EXAMPLE, "sla": None}
            ]
        }
    )


class Attachment(Out):
    kind: str


class MessageOut(Out):
    id: uuid.UUID
    author: Author
    text: str
    internal: bool
    agent_id: uuid.UUID | None
    created_at: datetime
    attachments: list[Attachment]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": UUID_EXAMPLE, "author": "agent", "text": "We are on it!",
                 "internal": False, "agent_id": AGENT_EXAMPLE,
                 "created_at": TIME_EXAMPLE, "attachments": []}
            ]
        }
    )


class Customer(Out):
    first_name: str | None
    username: str | None
    chat_id: int | None


class RatingOut(Out):
    score: int = Field(ge=1, le=5)
    comment: str | None
    rated_at: datetime
    agent_id: uuid.UUID | None = Field(description="The assignee when the ticket was closed")


class TicketDetails(TicketSummary):
    customer: Customer
    closed_at: datetime | None
    first_response_at: datetime | None
    messages: list[MessageOut]
    rating: RatingOut | None = Field(description="The latest close's rating, if any")


class TicketList(Out):
    tickets: list[TicketSummary]
    total: int
    limit: int
    offset: int


class TicketTypeOut(Out):
    id: uuid.UUID
    name: str
    description: str


class TicketTypeList(Out):
    ticket_types: list[TicketTypeOut]


class AgentOut(Out):
    id: uuid.UUID
    name: str
    username: str | None
    platforms: list[str] = Field(
        default_factory=list, description="the messengers the agent acts from: telegram, max"
    )


class AgentList(Out):
    agents: list[AgentOut]


class RequestCreated(Out):
    request_id: str = Field(pattern=REQUEST_ID_PATTERN)
    telegram_link: str | None
    max_link: str | None
    expires_in: int
    hint: str | None = Field(
        None,
        description="Present only when a link asked for is null because its bot is not "
        "configured on this server; says which setting is missing",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"request_id": "Kq9xV3mN2pT7rL8s",
                 "telegram_link": "https://t.me/helpdeskbot?start=hdreq_Kq9xV3mN2pT7rL8s",
                 "max_link": "https://max.ru/helpdeskbot?start=hdreq_Kq9xV3mN2pT7rL8s",
                 "expires_in": 900}
            ]
        }
    )


class RequestStatusOut(Out):
    status: RequestStatus
    subscriber_id: uuid.UUID | None
    channel: Literal["telegram", "max"] | None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "accepted", "subscriber_id": UUID_EXAMPLE, "channel": "telegram"}
            ]
        }
    )


class ErrorDetail(Out):
    field: str
    message: str


class Error(Out):
    error: str
    code: str
    retryable: bool
    details: list[ErrorDetail] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": "text is required", "code": "validation_failed", "retryable": False,
                 "details": [{"field": "text", "message": "is required"}]}
            ]
        }
    )
