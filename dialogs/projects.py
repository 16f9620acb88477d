"""Project picker: a chat subscribed to several projects chooses one."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.text import Format

from bot.presentation import short_id
from dialogs.common import customer, notice_of, start_route
from dialogs.states import ProjectsSG
from dialogs.widgets import T, choices
from services import customer_entry

ID_PROJECT = "pj"


async def projects_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    who = customer(dialog_manager)
    subscribed = await customer_entry.subscriptions(who.channel, who.chat_id)
    return {
        "notice": notice_of(dialog_manager),
        "projects": [{"id": short_id(c.project_id), "name": c.name} for c in subscribed],
    }


async def on_project_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    route = await customer_entry.choose_project(customer(manager), item_id)
    await start_route(manager, route)


def projects_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{notice}\n", when="notice"),
            T("projects-title"),
            choices(ID_PROJECT, "projects", on_project_selected),
            state=ProjectsSG.main,
            getter=projects_getter,
        ),
    )
