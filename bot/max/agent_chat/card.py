"""A ticket card in a MAX agent chat: its text and its inline keyboard.

The button payload is `hdc:<button>:<ticket id hex>:<value>` — a card button of the desk
(services.agent_desk.CardButton) on one ticket, short and parsed back by `parse_payload`.
"""

from __future__ import annotations

from typing import Any

from maxapi.types.attachments.attachment import ButtonsPayload
from maxapi.types.attachments.buttons import CallbackButton

from bot.desk_text import CardTicket, card_text, topic_name
from models.enums import Priority, TicketStatus
from services.agent_desk import CardButton
from services.i18n import Translator
from services.tickets import SETTABLE_STATUSES

PREFIX = "hdc"
TEXT_LIMIT = 4000


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


def _button(label: str, button: CardButton, ticket: CardTicket, value: str = "") -> Any:
    return CallbackButton(text=label, payload=payload(button, ticket, value))


def keyboard(ticket: CardTicket, t: Translator, menu: str | None = None) -> list[Any]:
    """[Take] [Priority ▸] [Status ▸] [Close]; or one of the two sub-menus (an attachment:
    MAX sends an inline keyboard as one)."""
    rows: list[list[Any]]
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
                _button(t("agent-button-status"), CardButton.STATUS_MENU, ticket),
                _button(
                    t("agent-button-reopen" if closed else "agent-button-close"),
                    CardButton.REOPEN if closed else CardButton.CLOSE,
                    ticket,
                ),
            ],
        ]
    return [ButtonsPayload(buttons=rows).pack()]
