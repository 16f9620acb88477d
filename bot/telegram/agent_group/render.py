"""The agent group's card buttons (Telegram inline keyboards); the texts are shared with the
MAX agent chat in `bot/desk_text.py` and re-exported here."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.desk_text import (
    TOPIC_NAME_LIMIT,
    CardTicket,
    attachment_label,
    card_text,
    customer_name,
    notice,
    sla_mark,
    topic_name,
)
from models.enums import Priority, TicketStatus
from services.agent_desk_types import CardButton
from services.i18n import Translator
from services.tickets import SETTABLE_STATUSES

__all__ = [
    "TOPIC_NAME_LIMIT",
    "CardAction",
    "CardTicket",
    "attachment_label",
    "card_keyboard",
    "card_text",
    "customer_name",
    "notice",
    "sla_mark",
    "topic_name",
]


class CardAction(CallbackData, prefix="hdc"):
    """A card button's data; the ticket id travels as 32 hex digits so it stays ≤ 64 bytes."""

    action: str
    ticket: str
    value: str = ""


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
