"""Shared widgets: Fluent-backed text (aiogram-dialog has no i18n of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.text import Text

from services.i18n import Translator

TRANSLATOR_KEY = "translator"  # middleware data key set by bot/telegram/i18n.py
TELEGRAM_TEXT_LIMIT = 4096


def translator_of(manager: DialogManager) -> Translator:
    return manager.middleware_data[TRANSLATOR_KEY]


def _scalars(source: Any) -> dict[str, Any]:
    if not isinstance(source, Mapping):
        return {}
    return {k: v for k, v in source.items() if isinstance(v, str | int | float)}


class T(Text):
    """Renders a Fluent key; its arguments are the getter's plain values.

    Inside a Select/List the current item (a dict) is merged in, so `T("ticket-row")` can use
    the item's `number` and `subject`. The result is clipped to Telegram's message limit.
    """

    def __init__(self, key: str, when: WhenCondition = None, **fixed: Any) -> None:
        super().__init__(when=when)
        self.key = key
        self.fixed = fixed

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        args = {**_scalars(data.get("data")), **_scalars(data), **_scalars(data.get("item"))}
        args.update(self.fixed)
        text = translator_of(manager)(self.key, **args)
        if len(text) > TELEGRAM_TEXT_LIMIT:
            text = text[: TELEGRAM_TEXT_LIMIT - 1] + "…"
        return text
