"""A message with nothing to click: expired link, helpdesk disabled, goodbye."""

from __future__ import annotations

from typing import Any

from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.text import Format

from dialogs.common import NOTICE, NOTICE_ARGS, start_value
from dialogs.states import NoticeSG
from dialogs.widgets import translator_of


async def notice_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    key = start_value(dialog_manager, NOTICE) or "notice-no-project"
    args = start_value(dialog_manager, NOTICE_ARGS) or {}
    return {"notice_text": translator_of(dialog_manager)(key, **args)}


def notice_dialog() -> Dialog:
    return Dialog(
        Window(Format("{notice_text}"), state=NoticeSG.main, getter=notice_getter),
    )
