"""What the agent group shows: the topic name, the ticket card and its buttons, and the short
answers to agents' commands and button presses."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any, Protocol

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from models.enums import Priority, TicketStatus
from services import clock
from services.agent_desk import CardButton, DeskResult, Outcome
from services.i18n import Translator
from services.serializers import SLA_TARGETS
from services.tickets import SETTABLE_STATUSES

TOPIC_NAME_LIMIT = 128


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Agent(_Named, Protocol):
    @property
    def username(self) -> str | None: ...


class CardTicket(Protocol):
    """What a card and a topic name show: a desk `TicketCard`, or a ticket with its type and
    assignee fetched (the agent-event sender's)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def number(self) -> int: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def customer_first_name(self) -> str | None: ...
    @property
    def customer_username(self) -> str | None: ...
    @property
    def ticket_type(self) -> _Named | None: ...
    @property
    def assignee(self) -> _Agent | None: ...


class CardAction(CallbackData, prefix="hdc"):
    """A card button's data; the ticket id travels as 32 hex digits so it stays ≤ 64 bytes."""

    action: str
    ticket: str
    value: str = ""


def customer_name(ticket: CardTicket, t: Translator) -> str:
    if ticket.customer_first_name:
        return ticket.customer_first_name
    if ticket.customer_username:
        return f"@{ticket.customer_username}"
    return t("agent-customer-unknown")


def topic_name(ticket: CardTicket, t: Translator) -> str:
    """ "#42 · subject · customer", with a ✅ prefix once closed, cut to Telegram's 128. A
    ticket under service levels always carries a mark (see `sla_mark`)."""
    name = t(
        "agent-topic-name",
        number=ticket.number,
        subject=ticket.subject or t("agent-no-subject"),
        customer=customer_name(ticket, t),
    )
    mark = sla_mark(ticket, t)
    if mark is not None:
        name = f"{mark} {name}"
    elif ticket.status == TicketStatus.CLOSED:
        name = f"{t('agent-topic-closed-prefix')} {name}"
    name = " ".join(name.split())
    return name if len(name) <= TOPIC_NAME_LIMIT else name[: TOPIC_NAME_LIMIT - 1] + "…"


def sla_mark(ticket: CardTicket, t: Translator) -> str | None:
    """The topic-list mark of a ticket under service levels: closed, breached (a due time
    passed), waiting on the customer, else waiting on an agent. None without service levels
    (the agent-event sender renames topics)."""
    if getattr(ticket, "sla_warn_before_minutes", None) is None:
        return None
    if ticket.status == TicketStatus.CLOSED:
        return t("sla-mark-closed")
    due = getattr(ticket, "sla_due_at", None)
    if due is not None and due <= clock.now():
        return t("sla-mark-breached")
    if ticket.status == TicketStatus.WAITING:
        return t("sla-mark-customer")
    return t("sla-mark-agent")


def _due_line(ticket: CardTicket, t: Translator) -> str:
    due = getattr(ticket, "sla_due_at", None)
    if due is None:
        return ""
    target = next(
        (name for name in SLA_TARGETS if getattr(ticket, f"sla_{name}_due_at", None) == due),
        "resolution",
    )
    when = f"{due.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return "\n" + t("sla-card-due", due_at=when, target=t(f"sla-target-{target}"))


def card_text(ticket: CardTicket, t: Translator) -> str:
    """The card; `ticket_type` and `assignee` must be fetched."""
    customer = customer_name(ticket, t)
    if ticket.customer_username and ticket.customer_first_name:
        customer = f"{customer} (@{ticket.customer_username})"
    assignee = ticket.assignee
    return t(
        "agent-card",
        number=ticket.number,
        subject=ticket.subject or t("agent-no-subject"),
        status=t(f"agent-status-{ticket.status}"),
        priority=t(f"agent-priority-{ticket.priority}"),
        type=ticket.ticket_type.name if ticket.ticket_type else t("agent-card-no-type"),
        assignee=(
            f"{assignee.name} (@{assignee.username})"
            if assignee and assignee.username
            else (assignee.name if assignee else t("agent-card-nobody"))
        ),
        customer=customer,
        channel=str(ticket.channel),
    ) + _due_line(ticket, t)


def _button(
    text: str, action: CardButton, ticket: CardTicket, value: str = ""
) -> InlineKeyboardButton:
    data = CardAction(action=action, ticket=ticket.id.hex, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def card_keyboard(
    ticket: CardTicket, t: Translator, menu: str | None = None
) -> InlineKeyboardMarkup:
    """[Take] [Priority ▸] [Status ▸] [Close]; or one of the two sub-menus."""
    rows: list[list[InlineKeyboardButton]]
    if menu == CardButton.PRIORITY_MENU:
        rows = [
            [
                _button(t(f"agent-priority-{p}"), CardButton.SET_PRIORITY, ticket, p.value)
                for p in Priority
            ],
            [_button(t("agent-button-back"), CardButton.BACK, ticket)],
        ]
    elif menu == CardButton.STATUS_MENU:
        rows = [
            [_button(t(f"agent-status-{s}"), CardButton.SET_STATUS, ticket, s.value)]
            for s in SETTABLE_STATUSES
        ]
        rows.append([_button(t("agent-button-back"), CardButton.BACK, ticket)])
    else:
        closed = ticket.status == TicketStatus.CLOSED
        rows = [
            [
                _button(t("agent-button-take"), CardButton.TAKE, ticket),
                _button(t("agent-button-priority"), CardButton.PRIORITY_MENU, ticket),
            ],
            [
                _button(t("agent-button-status"), CardButton.STATUS_MENU, ticket),
                _button(
                    t("agent-button-reopen" if closed else "agent-button-close"),
                    CardButton.REOPEN if closed else CardButton.CLOSE,
                    ticket,
                ),
            ],
        ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def attachment_label(item: dict[str, Any]) -> tuple[str, str]:
    """(kind, " name") for a notice about an attachment that cannot be copied."""
    name = item.get("name")
    return str(item.get("kind") or "file"), f" {name}" if name else ""


_NOTICES = {
    Outcome.NOT_ALLOWED: "agent-not-allowed",
    Outcome.NO_TICKET: "agent-not-a-ticket",
    Outcome.NOTE_SAVED: "agent-note-saved",
    Outcome.EDIT_TOO_LATE: "agent-error-edit-too-late",
}


def notice(result: DeskResult, t: Translator) -> str | None:
    """The short answer to an agent's command, button or edit; None when there is nothing to
    say (the update was not for the desk, or a sub-menu just opened)."""
    outcome = result.outcome
    if outcome == Outcome.ASSIGNED:
        return t("agent-assigned", agent=result.assignee)
    if outcome == Outcome.PRIORITY_SET:
        return t("agent-priority-set", priority=t(f"agent-priority-{result.priority}"))
    if outcome == Outcome.STATUS_SET:
        return t("agent-status-set", status=t(f"agent-status-{result.status}"))
    if outcome == Outcome.USAGE:
        return t(f"agent-usage-{result.command}")
    key = _NOTICES.get(outcome)
    return t(key) if key is not None else None
