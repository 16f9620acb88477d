"""Which buttons a ticket card shows in an agent chat, and in which rows, whatever the messenger.

`card_buttons` lays the card out as neutral `DeskButton`s — a label, the desk's `CardButton`
action and its value; the Telegram group (`bot/telegram/agent_group/render.py`) and the MAX
chat (`bot/max/agent_chat/card.py`) turn each into their own button type with their own
payload. The one difference between the two is how many main buttons a row holds. No
messenger SDK here (like `bot/desk_text.py`, which renders the card's text)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.desk_text import CardTicket
from models.enums import Priority, TicketStatus
from services.agent_desk_types import CardButton
from services.i18n import Translator
from services.tickets import SETTABLE_STATUSES


@dataclass(frozen=True)
class DeskButton:
    """One card button: what it says, and what a press asks the desk (`agent_desk.press`)."""

    label: str
    action: CardButton
    value: str = ""


def card_buttons(
    ticket: CardTicket, t: Translator, menu: str | None = None, *, per_row: int
) -> list[list[DeskButton]]:
    """[Take] [Priority ▸] [Status ▸] [Close] (or [Reopen] once closed), `per_row` to a row;
    or a sub-menu: the priorities in one row, or each settable status in a row of its own,
    then [Back]."""
    back = [DeskButton(t("agent-button-back"), CardButton.BACK)]
    if menu == CardButton.PRIORITY_MENU:
        priorities = [
            DeskButton(t(f"agent-priority-{p}"), CardButton.SET_PRIORITY, p.value) for p in Priority
        ]
        return [priorities, back]
    if menu == CardButton.STATUS_MENU:
        statuses = [
            [DeskButton(t(f"agent-status-{s}"), CardButton.SET_STATUS, s.value)]
            for s in SETTABLE_STATUSES
        ]
        return [*statuses, back]
    closed = ticket.status == TicketStatus.CLOSED
    main = [
        DeskButton(t("agent-button-take"), CardButton.TAKE),
        DeskButton(t("agent-button-priority"), CardButton.PRIORITY_MENU),
        DeskButton(t("agent-button-status"), CardButton.STATUS_MENU),
        DeskButton(
            t("agent-button-reopen" if closed else "agent-button-close"),
            CardButton.REOPEN if closed else CardButton.CLOSE,
        ),
    ]
    return [main[start : start + per_row] for start in range(0, len(main), per_row)]
