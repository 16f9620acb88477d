"""A message with nothing to click: expired link, helpdesk disabled, goodbye."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.text import Format

from dialogs.common import customer, notice_of, start_route
from dialogs.states import NoticeSG
from services import customer_entry


async def notice_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    return {"notice_text": notice_of(dialog_manager, "notice-no-project")}


async def on_notice_message(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    """Writing after a notice is a fresh start: wherever /start would lead."""
    route = await customer_entry.route_start(customer(manager))
    await start_route(manager, route, ShowMode.SEND)


def notice_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{notice_text}"),
            MessageInput(on_notice_message),
            state=NoticeSG.main,
            getter=notice_getter,
        ),
    )
