"""Helpdesk menu of one project: [New ticket] [My tickets (n)] [Unsubscribe]."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Data, Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from dialogs.common import ids, notice_of, start_route, start_value
from dialogs.states import MenuSG, MyTicketsSG, NewTicketSG, ThreadSG, TypePickerSG
from dialogs.widgets import T, confirm_window
from services import customer_flow, customers
from services.customer_flow import (
    PROJECT,
    SUBSCRIBER,
    TICKET,
    TICKET_TYPE,
    TYPE_USED,
)

ID_NEW = "new"
ID_MINE = "mine"
ID_UNSUBSCRIBE = "unsub"


def _preselected(manager: DialogManager) -> str | None:
    if manager.dialog_data.get(TYPE_USED):
        return None
    return start_value(manager, TICKET_TYPE)


async def menu_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    view = await customers.menu_view(
        start_value(dialog_manager, PROJECT), start_value(dialog_manager, SUBSCRIBER)
    )
    return {
        "notice": notice_of(dialog_manager),
        "project": view.name,
        "count": view.active_tickets,
        "enabled": view.enabled,
        "disabled": not view.enabled,
        "can_create": view.can_create,
        "subscribed": view.subscribed,
    }


async def on_menu_start(start_data: Data, manager: DialogManager) -> None:
    """A ticket button (or an agent reply) lands in the menu with the thread opened on top."""
    if isinstance(start_data, dict) and start_data.get(TICKET):
        await manager.start(ThreadSG.main, {**ids(manager), TICKET: start_data[TICKET]})


async def on_new_ticket(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    step = await customer_flow.start_new_ticket(
        start_value(manager, PROJECT), start_value(manager, SUBSCRIBER), _preselected(manager)
    )
    if not step.allowed:
        return  # the re-rendered menu no longer offers the button
    if step.pick_type:
        await manager.start(TypePickerSG.main, ids(manager))
    else:
        data = {**ids(manager), TICKET_TYPE: step.ticket_type_id}
        await manager.start(NewTicketSG.compose, data)


async def on_my_tickets(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await manager.start(MyTicketsSG.main, ids(manager))


async def on_unsubscribe(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    route = await customer_flow.unsubscribe(
        start_value(manager, PROJECT), start_value(manager, SUBSCRIBER)
    )
    await start_route(manager, route)


async def on_child_result(start_data: Data, result: Any, manager: DialogManager) -> None:
    """Type chosen → describe the problem; ticket created → its thread."""
    if not isinstance(result, dict):
        return
    if TICKET_TYPE in result:
        await manager.start(NewTicketSG.compose, {**ids(manager), TICKET_TYPE: result[TICKET_TYPE]})
    elif result.get(TICKET):
        manager.dialog_data[TYPE_USED] = True
        await manager.start(ThreadSG.main, {**ids(manager), TICKET: result[TICKET]})


async def unsubscribe_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    view = await customers.menu_view(
        start_value(dialog_manager, PROJECT), start_value(dialog_manager, SUBSCRIBER)
    )
    return {"project": view.name}


def menu_dialog() -> Dialog:
    return Dialog(
        Window(
            T("menu-notice", when="notice"),
            T("menu-title"),
            T("menu-disabled", when="disabled"),
            T("menu-no-create", when=lambda d, w, m: d["enabled"] and not d["can_create"]),
            Button(T("button-new-ticket"), id=ID_NEW, on_click=on_new_ticket, when="can_create"),
            Button(T("button-my-tickets"), id=ID_MINE, on_click=on_my_tickets),
            SwitchTo(
                T("button-unsubscribe"),
                id=ID_UNSUBSCRIBE,
                state=MenuSG.unsubscribe,
                when="subscribed",
            ),
            state=MenuSG.main,
            getter=menu_getter,
        ),
        confirm_window(
            "unsubscribe",
            ID_UNSUBSCRIBE,
            on_unsubscribe,
            MenuSG.unsubscribe,
            MenuSG.main,
            unsubscribe_getter,
        ),
        on_start=on_menu_start,
        on_process_result=on_child_result,
    )
