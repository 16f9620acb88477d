"""One card layout, two messengers: the Telegram group and the MAX chat show the same buttons
with the same payloads; only the main buttons' rows differ (two to a row, all in one)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.desk_buttons import card_buttons
from bot.max.agent_chat import card
from bot.telegram.agent_group.render import card_keyboard
from models.enums import Channel, Priority, TicketStatus
from services.agent_desk_types import CardButton, TicketCard
from services.i18n import translator

T = translator("en")
ID = uuid.UUID(int=7)


def ticket(status: TicketStatus = TicketStatus.NEW) -> TicketCard:
    return TicketCard(ID, 42, "Late", status, Priority.NORMAL, Channel.MAX, "Ann", None, None, None)


def telegram(menu: str | None, status: TicketStatus = TicketStatus.NEW) -> list[list[Any]]:
    markup = card_keyboard(ticket(status), T, menu)
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


def max_(menu: str | None, status: TicketStatus = TicketStatus.NEW) -> list[list[Any]]:
    [attachment] = card.keyboard(ticket(status), T, menu)
    return [[(b.text, b.payload) for b in row] for row in attachment.payload.buttons]


def data(action: str, value: str = "") -> str:
    return f"hdc:{action}:{ID.hex}:{value}"


def test_main_buttons_two_to_a_row_in_telegram_one_row_in_max() -> None:
    main = [
        ("🙋 Take", data("take")),
        ("Priority ▸", data("pm")),
        ("Status ▸", data("sm")),
        (T("agent-button-close"), data("close")),
    ]
    assert telegram(None) == [main[:2], main[2:]]
    assert max_(None) == [main]
    assert telegram(None, TicketStatus.CLOSED)[1][1] == ("🔄 Reopen", data("reopen"))
    assert max_(None, TicketStatus.CLOSED)[0][3] == ("🔄 Reopen", data("reopen"))


@pytest.mark.parametrize("menu", [CardButton.PRIORITY_MENU, CardButton.STATUS_MENU])
def test_sub_menus_are_the_same_in_both(menu: CardButton) -> None:
    rows = telegram(menu)
    assert rows == max_(menu)
    assert rows[-1] == [(T("agent-button-back"), data("back"))]
    if menu == CardButton.PRIORITY_MENU:
        assert rows[:-1] == [[(T(f"agent-priority-{p}"), data("p", p)) for p in Priority]]
    else:
        assert [row[0][1] for row in rows[:-1]] == [
            data("s", s) for s in ("open", "in_progress", "waiting", "closed")
        ]


def test_layout_is_neutral() -> None:
    rows = card_buttons(ticket(), T, per_row=3)
    assert [[b.action for b in row] for row in rows] == [
        [CardButton.TAKE, CardButton.PRIORITY_MENU, CardButton.STATUS_MENU],
        [CardButton.CLOSE],
    ]
