"""The agent group's card buttons as Telegram inline keyboards; which buttons, in which rows,
is shared with the MAX agent chat in `bot/desk_buttons.py`, and the texts in `bot/desk_text.py`
(re-exported here)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.desk_buttons import DeskButton, card_buttons
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
from services.i18n import Translator

MAIN_ROW = 2  # the card's four main buttons, two to a row

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


def card_keyboard(
    ticket: CardTicket, t: Translator, menu: str | None = None
) -> InlineKeyboardMarkup:
    """[Take] [Priority ▸] / [Status ▸] [Close]; or one of the two sub-menus
    (`bot.desk_buttons.card_buttons`)."""
    rows = card_buttons(ticket, t, menu, per_row=MAIN_ROW)
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b, ticket) for b in row] for row in rows])


def _button(button: DeskButton, ticket: CardTicket) -> InlineKeyboardButton:
    data = CardAction(action=button.action, ticket=ticket.id.hex, value=button.value).pack()
    return InlineKeyboardButton(text=button.label, callback_data=data)
