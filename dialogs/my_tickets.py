"""My tickets: the customer's tickets, active first, a page at a time."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, Row, Select
from aiogram_dialog.widgets.text import Format

from dialogs.common import SUBSCRIBER, TICKET, ids, start_value
from dialogs.states import MyTicketsSG, ThreadSG
from dialogs.widgets import T, translator_of
from services import customers

ID_TICKET = "tk"
ID_PREV = "prev"
ID_NEXT = "next"
ID_BACK = "back"
PAGE = "page"
PAGE_SIZE = 5


async def my_tickets_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    t = translator_of(dialog_manager)
    page = dialog_manager.dialog_data.get(PAGE, 0)
    rows, total = await customers.my_tickets(
        start_value(dialog_manager, SUBSCRIBER), page=page, size=PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:  # tickets vanished (another device closed/removed them): last page
        page = dialog_manager.dialog_data[PAGE] = pages - 1
        rows, total = await customers.my_tickets(
            start_value(dialog_manager, SUBSCRIBER), page=page, size=PAGE_SIZE
        )
    return {
        "tickets": [
            {
                # uuid hex keeps callback data well under Telegram's 64 bytes
                "id": r.id.replace("-", ""),
                "label": t(
                    "ticket-row",
                    number=r.number,
                    status=t(f"status-{r.status}"),
                    subject=(r.subject or "-")[:40],
                ),
            }
            for r in rows
        ],
        "total": total,
        "empty": total == 0,
        "page": page + 1,
        "pages": pages,
        "paged": pages > 1,
        "has_prev": page > 0,
        "has_next": page + 1 < pages,
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
            Column(
                Select(
                    Format("{item[label]}"),
                    id=ID_TICKET,
                    item_id_getter=lambda item: item["id"],
                    items="tickets",
                    on_click=on_ticket_selected,
                ),
            ),
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
