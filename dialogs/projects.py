"""Project picker: a chat subscribed to several projects chooses one."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Column, Select
from aiogram_dialog.widgets.text import Format

from dialogs.common import NOTICE, NOTICE_ARGS, customer, start_route, start_value
from dialogs.states import ProjectsSG
from dialogs.widgets import T, translator_of
from services import customers

ID_PROJECT = "pj"


async def projects_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    who = customer(dialog_manager)
    choices = await customers.subscriptions(who.channel, who.chat_id)
    key = start_value(dialog_manager, NOTICE)
    notice = translator_of(dialog_manager)(key, **(start_value(dialog_manager, NOTICE_ARGS) or {}))
    return {
        "notice": notice if key else "",
        # uuid hex keeps callback data well under Telegram's 64 bytes
        "projects": [{"id": c.project_id.replace("-", ""), "name": c.name} for c in choices],
    }


async def on_project_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    route = await customers.choose_project(customer(manager), item_id)
    await start_route(manager, route)


def projects_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{notice}\n", when="notice"),
            T("projects-title"),
            Column(
                Select(
                    Format("{item[name]}"),
                    id=ID_PROJECT,
                    item_id_getter=lambda item: item["id"],
                    items="projects",
                    on_click=on_project_selected,
                ),
            ),
            state=ProjectsSG.main,
            getter=projects_getter,
        ),
    )
