"""What the customer use cases return and take: plain data the two messengers render.

Kept apart from the use cases (services/customer_entry.py, services/customers.py,
services/customer_flow.py) so the front ends and the presentation helpers read them without
the ORM behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypedDict

from models.enums import Author, Channel, TicketStatus


class Screen(StrEnum):
    CONSENT = "consent"  # project name + description, [Subscribe] [Cancel]
    MENU = "menu"  # the helpdesk menu of one project
    PICKER = "picker"  # the chat belongs to several projects: choose one
    NOTICE = "notice"  # only a message (expired link, helpdesk disabled, ...)


@dataclass(frozen=True)
class Customer:
    """The person writing to a bot, as the messenger describes them."""

    channel: Channel
    chat_id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def profile(self) -> Profile:
        """What a subscriber and a new ticket keep of the person."""
        return Profile(
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
            language_code=self.language_code,
        )


class Profile(TypedDict):
    first_name: str | None
    last_name: str | None
    username: str | None
    language_code: str | None


@dataclass(frozen=True)
class Route:
    """Where a bot takes a customer; `notice` is a locale key shown with (or as) the screen."""

    screen: Screen
    project_id: str | None = None
    subscriber_id: str | None = None
    request_id: str | None = None
    ticket_type_id: str | None = None
    ticket_id: str | None = None
    link_id: str | None = None  # a subscribe link (`sub_<id>`): consent without the helpdesk
    notice: str | None = None
    notice_args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectChoice:
    """A project this chat is subscribed to: a row of the project picker."""

    project_id: str
    subscriber_id: str
    name: str


@dataclass(frozen=True)
class ConsentView:
    project_id: str
    name: str
    description: str
    enabled: bool


@dataclass(frozen=True)
class MenuView:
    """The helpdesk menu of one project, as this subscriber may use it."""

    project_id: str
    name: str
    enabled: bool
    can_create: bool
    subscribed: bool
    active_tickets: int
    has_types: bool
    preselected_type: str | None


@dataclass(frozen=True)
class TypeView:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class TicketRow:
    """A row of "My tickets"."""

    id: str
    number: int
    status: TicketStatus
    subject: str | None


@dataclass(frozen=True)
class ThreadMessage:
    author: Author
    text: str
    attachment_kinds: list[str]
    created_at: datetime


@dataclass(frozen=True)
class ThreadView:
    id: str
    number: int
    status: TicketStatus
    subject: str | None
    type_name: str | None
    messages: list[ThreadMessage]  # the latest ones, oldest first
    total_messages: int


@dataclass
class DraftPart:
    """One customer message collected while describing a new ticket."""

    text: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    message_id: str | None = None
