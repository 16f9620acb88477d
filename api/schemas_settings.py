"""Request and response schemas of /v1/helpdesk/settings (ratings, service levels, webhook
event types) and of /v1/helpdesk/reports/satisfaction, which reads the ratings (API.md).

Built from api.schemas' blocks (`Body`, `Out`, `Str`), like the other areas' schemas.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.schemas import Body, Out, Str
from models.enums import Priority
from services.webhook_settings import EVENT_TYPES

# ---- ratings ----------------------------------------------------------------------------


class RatingSettingsBody(Body):
    enabled: StrictBool = False
    ask_when_customer_closes: StrictBool = Field(
        False, description="Also ask when the customer closes the ticket themself"
    )
    question: Str | None = Field(
        None, min_length=1, max_length=1000, description="null: the built-in en/ru question"
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": True, "ask_when_customer_closes": False,
                                         "question": None}]}
    )


class RatingSettingsOut(Out):
    enabled: bool
    ask_when_customer_closes: bool
    question: str | None


class SatisfactionQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: str | None = Field(
        None, alias="from", examples=["2026-11-01"],
        description="First day, YYYY-MM-DD, in the project's time zone (service levels; UTC "
        "when none)",
    )
    to: str | None = Field(
        None, examples=["2026-11-30"],
        description="Last day, YYYY-MM-DD, included; default the project's today",
    )


class AgentSatisfaction(Out):
    agent_id: uuid.UUID | None
    name: str | None
    count: int
    average: float | None


class SatisfactionReport(Out):
    timezone: str = Field(
        description="Whose days `from`/`to` are: the project's time zone (service levels), "
        "else UTC", examples=["Europe/Moscow"],
    )
    count: int
    average: float | None
    distribution: dict[str, int] = Field(description='Ratings per score, keys "1".."5"')
    by_agent: list[AgentSatisfaction]


# ---- service levels (API.md "Service levels"; services.service_levels validates) ----------

_SLA_EXAMPLE: dict[str, Any] = {
    "timezone": "Europe/Moscow",
    "business_hours": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "13:00"], ["14:00", "18:00"]],
                       "wed": [], "thu": [["00:00", "24:00"]], "fri": [["09:00", "17:00"]],
                       "sat": [], "sun": []},
    "holidays": ["2027-01-01"],
    "targets": {"first_response_minutes": 60, "next_response_minutes": 240,
                "resolution_minutes": 2880, "business_hours_only": True,
                "by_priority": {"urgent": {"first_response_minutes": 15}}},
    "warn_before_minutes": 15,
    "out_of_hours_reply": {"enabled": True, "text": None},
    "auto_close": {"enabled": True, "after_hours": 72, "reopen_window_days": 7, "text": None},
}
Window = Annotated[list[str], Field(min_length=2, max_length=2, description='["HH:MM", "HH:MM"]')]


class SlaTargets(Out):
    first_response_minutes: int | None = Field(None, ge=0)
    next_response_minutes: int | None = Field(None, ge=0)
    resolution_minutes: int | None = Field(None, ge=0)
    business_hours_only: bool = True
    by_priority: dict[Priority, dict[str, int | None]] = Field(default_factory=dict)


class OutOfHoursReply(Out):
    enabled: bool = False
    text: str | None = Field(None, description="null: the built-in en/ru text; `{back_at}` "
                             "is replaced by the opening time")


class AutoClose(Out):
    enabled: bool = False
    after_hours: int = Field(72, ge=1)
    reopen_window_days: int = Field(7, ge=0)
    text: str | None = None


class ServiceLevelSettings(Out):
    timezone: str = Field("UTC", description="IANA time zone name")
    business_hours: dict[str, list[Window]] | None = Field(
        None, description="mon … sun → open windows; `[]` closed, "
        '`[["00:00","24:00"]]` all day; null: around the clock'
    )
    holidays: list[str] = Field(default_factory=list, description="Dates YYYY-MM-DD, closed")
    targets: SlaTargets | None = None
    warn_before_minutes: int = Field(15, ge=0)
    out_of_hours_reply: OutOfHoursReply | None = None
    auto_close: AutoClose | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [_SLA_EXAMPLE]})


EventType = Annotated[Str, Field(json_schema_extra={"enum": list(EVENT_TYPES)})]


class WebhookEventsBody(Body):
    events: list[EventType] | None = Field(
        description="The event types the endpoint takes; null (or []) for every type. "
        "`webhook.test` is always sent. An unknown name → 400 naming `events`.",
        max_length=100,
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"events": ["ticket.created", "ticket.replied"]},
                                        {"events": None}]}
    )


class WebhookSettingsOut(Out):
    webhook_url: str | None
    webhook_disabled: bool = Field(description="true after the endpoint answered 410")
    previous_secret_valid_until: datetime | None = Field(
        description="While the previous secret also signs (24 h after a rotation)"
    )
    events: list[str] | None = Field(description="null: every event type")
