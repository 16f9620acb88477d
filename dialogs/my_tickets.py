"""My tickets: the customer's tickets, active first, a page at a time."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Row

from bot.presentation import short_id, ticket_row
from dialogs.common import ids, start_value
from dialogs.states import MyTicketsSG, ThreadSG
from dialogs.widgets import T, choices, translator_of
from services import customer_flow
from services.customer_flow import PAGE, SUBSCRIBER, TICKET

ID_TICKET = "tk"
ID_PREV = "prev"
ID_NEXT = "next"
ID_BACK = "back"


async def my_tickets_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    t = translator_of(dialog_manager)
    found = await customer_flow.tickets_page(
        start_value(dialog_manager, SUBSCRIBER), dialog_manager.dialog_data.get(PAGE, 0)
    )
    dialog_manager.dialog_data[PAGE] = found.page
    return {
        "tickets": [{"id": short_id(r.id), "label": ticket_row(r, t)} for r in found.rows],
        "empty": not found.rows,
        "page": found.page + 1,
        "pages": found.pages,
        "paged": found.pages > 1,
        "has_prev": found.has_prev,
        "has_next": found.has_next,
    }


async def on_ticket_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    await manager.start(ThreadSG.main, {**ids(manager), TICKET: item_id})


async def on_prev(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data[PAGE] = max(0, manager.dialog_data.get(PAGE, 0) - 1)


async def on_next(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data[PAGE] = manager.dialog_data.get(PAGE, 0) + 1


def my_tickets_dialog() -> Dialog:
    return Dialog(
        Window(
            T("my-tickets-title"),
            T("my-tickets-empty", when="empty"),
            choices(ID_TICKET, "tickets", on_ticket_selected, label="{item[label]}"),
            Row(
                Button(T("button-prev"), id=ID_PREV, on_click=on_prev, when="has_prev"),
                Button(T("button-next"), id=ID_NEXT, on_click=on_next, when="has_next"),
                when="paged",
            ),
            Cancel(T("button-back"), id=ID_BACK),
            state=MyTicketsSG.main,
            getter=my_tickets_getter,
        ),
    )
