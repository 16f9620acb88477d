"""Type picker: the project's active ticket types, in their configured order."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Cancel, Column, Select
from aiogram_dialog.widgets.text import Format

from dialogs.common import PROJECT, TICKET_TYPE, start_value
from dialogs.states import TypePickerSG
from dialogs.widgets import T
from services import customers

ID_TYPE = "tp"
ID_BACK = "back"


async def types_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    types = await customers.ticket_types(start_value(dialog_manager, PROJECT))
    return {
        # uuid hex keeps callback data well under Telegram's 64 bytes
        "types": [{"id": t.id.replace("-", ""), "name": t.name} for t in types],
        "descriptions": "\n".join(f"• {t.name}: {t.description}" for t in types if t.description),
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
            Column(
                Select(
                    Format("{item[name]}"),
                    id=ID_TYPE,
                    item_id_getter=lambda item: item["id"],
                    items="types",
                    on_click=on_type_selected,
                ),
            ),
            Cancel(T("button-back"), id=ID_BACK),
            state=TypePickerSG.main,
            getter=types_getter,
        ),
    )
