"""A ticket card in a MAX agent chat: its text and its inline keyboard.

Which buttons, in which rows, is shared with the Telegram group (`bot/desk_buttons.py`). The
button payload is `hdc:<button>:<ticket id hex>:<value>` — a card button of the desk
(`services.agent_desk_types.CardButton`) on one ticket, short and parsed back by
`parse_payload`.
"""

from __future__ import annotations

from typing import Any

from maxapi.types.attachments.attachment import ButtonsPayload
from maxapi.types.attachments.buttons import CallbackButton

from bot.desk_buttons import card_buttons
from bot.desk_text import CardTicket, card_text, topic_name
from services.agent_desk_types import CardButton
from services.i18n import Translator

PREFIX = "hdc"
TEXT_LIMIT = 4000
MAIN_ROW = 4  # the card's four main buttons in one row


def payload(button: CardButton, ticket: CardTicket, value: str = "") -> str:
    return f"{PREFIX}:{button.value}:{ticket.id.hex}:{value}"


def parse_payload(data: str | None) -> tuple[str, str, str] | None:
    """(button, ticket id, value) of a card button's payload; None for anything else."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    return parts[1], parts[2], parts[3]


def text(ticket: CardTicket, t: Translator) -> str:
    """ "#42 · subject · customer" over the card's fields (status, priority, type, ...)."""
    return f"{topic_name(ticket, t)}\n{card_text(ticket, t)}"[:TEXT_LIMIT]


def keyboard(ticket: CardTicket, t: Translator, menu: str | None = None) -> list[Any]:
    """[Take] [Priority ▸] [Status ▸] [Close]; or one of the two sub-menus
    (`bot.desk_buttons.card_buttons`), as an attachment: MAX sends an inline keyboard as one."""
    rows = card_buttons(ticket, t, menu, per_row=MAIN_ROW)
    buttons: list[list[Any]] = [
        [CallbackButton(text=b.label, payload=payload(b.action, ticket, b.value)) for b in row]
        for row in rows
    ]
    return [ButtonsPayload(buttons=buttons).pack()]
