"""Type picker: the project's active ticket types, in their configured order."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Cancel
from aiogram_dialog.widgets.text import Format

from bot.presentation import short_id, type_descriptions
from dialogs.common import start_value
from dialogs.states import TypePickerSG
from dialogs.widgets import T, choices
from services import customers
from services.customer_flow import PROJECT, TICKET_TYPE

ID_TYPE = "tp"
ID_BACK = "back"


async def types_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    types = await customers.ticket_types(start_value(dialog_manager, PROJECT))
    return {
        "types": [{"id": short_id(t.id), "name": t.name} for t in types],
        "descriptions": type_descriptions(types),
    }


async def on_type_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    await manager.done({TICKET_TYPE: item_id})


def type_picker_dialog() -> Dialog:
    return Dialog(
        Window(
            T("types-title"),
            Format("\n{descriptions}", when="descriptions"),
            choices(ID_TYPE, "types", on_type_selected),
            Cancel(T("button-back"), id=ID_BACK),
            state=TypePickerSG.main,
            getter=types_getter,
        ),
    )
