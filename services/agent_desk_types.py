"""What the agent desk speaks with its front ends: the updates they hand in and the results
they render, whatever the messenger.

A front end turns its update into a `DeskMessage` (a message or an edit), a `DeskCommand` or a
`DeskPress` (a card button), passes its membership check in as an `IsMember` port, and renders
the `DeskResult` by its `Outcome`. The use cases that take them are in `services.agent_desk`
(and, for `/r` and `/find`, `services.agent_desk_canned` and `services.agent_desk_find`).
Plain data only: no queries here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.enums import Channel, Priority, TicketStatus
from services import search

IsMember = Callable[[int, int], Awaitable[bool]]
"""The messenger's answer to "is user `user_id` a member of chat `chat_id`?" (a port)."""


class Outcome(StrEnum):
    """What an update came to; the front end picks the words (if any) by it."""

    IGNORED = "ignored"  # not for the desk: ordinary talk, a stranger, an unbound chat
    NOT_ALLOWED = "not_allowed"  # a button pressed by someone who may not act
    STALE = "stale"  # a button on a card the bot can no longer edit
    NO_TICKET = "no_ticket"  # a command outside a ticket's place
    USAGE = "usage"  # a command without its argument
    REPLIED = "replied"  # a reply stored, the customer's copy queued
    NOTE_SAVED = "note_saved"
    EDITED = "edited"
    EDIT_TOO_LATE = "edit_too_late"
    ASSIGNED = "assigned"
    PRIORITY_SET = "priority_set"
    STATUS_SET = "status_set"
    MENU = "menu"  # a card sub-menu opened or closed; nothing changed
    CANNED_SENT = "canned_sent"  # `/r CODE`: the rendered reply stored and queued
    CANNED_MENU = "canned_menu"  # `/r`: the project's replies to pick from (`choices`)
    CANNED_UNKNOWN = "canned_unknown"  # `/r CODE` with no such code: `suggestions`
    FOUND = "found"  # `/find words`: the best matches (`found`)


class Command(StrEnum):
    ASSIGN = "assign"
    PRIORITY = "priority"
    STATUS = "status"
    CLOSE = "close"
    REOPEN = "reopen"
    NOTE = "note"
    REPLY = "r"  # /r CODE [extra text]: a canned reply; /r alone lists them
    FIND = "find"  # /find words: search the project's tickets (anywhere in the chat)


class CardButton(StrEnum):
    """The buttons of a ticket card (their values travel in the button data: keep them short)."""

    TAKE = "take"
    CLOSE = "close"
    REOPEN = "reopen"
    PRIORITY_MENU = "pm"
    STATUS_MENU = "sm"
    BACK = "back"
    SET_PRIORITY = "p"
    SET_STATUS = "s"


@dataclass(frozen=True)
class DeskUser:
    """Who acted in the agent chat, as their messenger names them."""

    id: int
    name: str
    username: str | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class DeskMessage:
    """A message (or an edit) in an agent chat, in messenger-neutral terms."""

    platform: Channel
    chat_id: int
    message_id: int | str  # Telegram: an int; MAX: the message's mid (a string)
    user: DeskUser | None
    text: str = ""
    topic_id: int | None = None  # the forum topic it was written in (Telegram forums)
    reply_to_id: int | str | None = None  # the message it answers (same kind of id)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    as_chat: bool = False  # sent on behalf of a chat (a channel post, an anonymous admin)


@dataclass(frozen=True)
class DeskCommand:
    message: DeskMessage
    command: Command
    args: str | None = None


@dataclass(frozen=True)
class DeskPress:
    """A button pressed on a ticket card."""

    platform: Channel
    chat_id: int
    user: DeskUser | None
    ticket: str  # the ticket's id, as the button carries it
    button: str
    value: str = ""
    card_editable: bool = True


@dataclass(frozen=True)
class TypeRef:
    name: str


@dataclass(frozen=True)
class AgentRef:
    name: str
    username: str | None = None


@dataclass(frozen=True)
class TicketCard:
    """What a ticket card shows (the attribute names match a fetched `Ticket`'s)."""

    id: uuid.UUID
    number: int
    subject: str | None
    status: TicketStatus
    priority: Priority
    channel: Channel
    customer_first_name: str | None
    customer_username: str | None
    ticket_type: TypeRef | None
    assignee: AgentRef | None
    # service levels (services.sla): the card's due line and the topic's mark
    sla_warn_before_minutes: int | None = None
    sla_due_at: datetime | None = None
    sla_first_response_due_at: datetime | None = None
    sla_next_response_due_at: datetime | None = None
    sla_resolution_due_at: datetime | None = None
    sla_timezone: str = "UTC"  # the project's: the due line's clock


@dataclass(frozen=True)
class CannedChoice:
    """A canned reply offered by `/r` alone (a button each)."""

    id: uuid.UUID
    code: str
    title: str


@dataclass(frozen=True)
class DeskResult:
    outcome: Outcome
    command: Command | None = None  # the command a USAGE hint is for
    assignee: str | None = None  # ASSIGNED: the new assignee's name
    priority: Priority | None = None  # PRIORITY_SET
    status: TicketStatus | None = None  # STATUS_SET
    card: TicketCard | None = None  # a pressed card's ticket, as it now stands
    menu: CardButton | None = None  # the sub-menu the card shows (None: the main buttons)
    text: str | None = None  # CANNED_SENT: the text the customer gets; FOUND: the query
    ticket_number: int | None = None  # CANNED_MENU: the ticket the choices are for
    choices: tuple[CannedChoice, ...] = ()  # CANNED_MENU
    code: str | None = None  # CANNED_UNKNOWN: the code as typed
    suggestions: tuple[str, ...] = ()  # CANNED_UNKNOWN: the nearest known codes
    found: tuple[search.FoundTicket, ...] = ()  # FOUND


IGNORED = DeskResult(Outcome.IGNORED)
