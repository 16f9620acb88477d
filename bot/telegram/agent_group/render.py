"""What the agent group shows: the topic name, the ticket card and its buttons."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from models import Ticket
from models.enums import Priority, TicketStatus
from services.i18n import Translator
from services.tickets import SETTABLE_STATUSES

TOPIC_NAME_LIMIT = 128

# actions on the card; the ticket id travels as 32 hex digits so the data stays ≤ 64 bytes
TAKE = "take"
CLOSE = "close"
REOPEN = "reopen"
PRIORITY_MENU = "pm"
STATUS_MENU = "sm"
BACK = "back"
SET_PRIORITY = "p"
SET_STATUS = "s"


class CardAction(CallbackData, prefix="hdc"):
    action: str
    ticket: str
    value: str = ""


def customer_name(ticket: Ticket, t: Translator) -> str:
    if ticket.customer_first_name:
        return ticket.customer_first_name
    if ticket.customer_username:
        return f"@{ticket.customer_username}"
    return t("agent-customer-unknown")


def topic_name(ticket: Ticket, t: Translator) -> str:
    """ "#42 · subject · customer", with a ✅ prefix once closed, cut to Telegram's 128."""
    name = t(
        "agent-topic-name",
        number=ticket.number,
        subject=ticket.subject or t("agent-no-subject"),
        customer=customer_name(ticket, t),
    )
    if ticket.status == TicketStatus.CLOSED:
        name = f"{t('agent-topic-closed-prefix')} {name}"
    name = " ".join(name.split())
    return name if len(name) <= TOPIC_NAME_LIMIT else name[: TOPIC_NAME_LIMIT - 1] + "…"


def card_text(ticket: Ticket, t: Translator) -> str:
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
    )


def _button(text: str, action: str, ticket: Ticket, value: str = "") -> InlineKeyboardButton:
    data = CardAction(action=action, ticket=ticket.id.hex, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def card_keyboard(ticket: Ticket, t: Translator, menu: str | None = None) -> InlineKeyboardMarkup:
    """[Take] [Priority ▸] [Status ▸] [Close]; or one of the two sub-menus."""
    rows: list[list[InlineKeyboardButton]]
    if menu == PRIORITY_MENU:
        rows = [
            [_button(t(f"agent-priority-{p}"), SET_PRIORITY, ticket, p.value) for p in Priority],
            [_button(t("agent-button-back"), BACK, ticket)],
        ]
    elif menu == STATUS_MENU:
        rows = [
            [_button(t(f"agent-status-{s}"), SET_STATUS, ticket, s.value)]
            for s in SETTABLE_STATUSES
        ]
        rows.append([_button(t("agent-button-back"), BACK, ticket)])
    else:
        closed = ticket.status == TicketStatus.CLOSED
        rows = [
            [
                _button(t("agent-button-take"), TAKE, ticket),
                _button(t("agent-button-priority"), PRIORITY_MENU, ticket),
            ],
            [
                _button(t("agent-button-status"), STATUS_MENU, ticket),
                _button(
                    t("agent-button-reopen" if closed else "agent-button-close"),
                    REOPEN if closed else CLOSE,
                    ticket,
                ),
            ],
        ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def attachment_label(item: dict[str, Any]) -> tuple[str, str]:
    """(kind, " name") for a notice about an attachment that cannot be copied."""
    name = item.get("name")
    return str(item.get("kind") or "file"), f" {name}" if name else ""
