"""Consent: the project introduces itself, the customer subscribes or declines."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Row

from bot.presentation import consent_description
from dialogs.common import customer, start_route, start_value
from dialogs.states import ConsentSG
from dialogs.widgets import T
from services import customer_entry, customer_flow
from services.customer_flow import LINK, PROJECT, REQUEST

ID_SUBSCRIBE = "subscribe"
ID_CANCEL = "cancel"


async def consent_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    view = await customer_entry.consent_view(start_value(dialog_manager, PROJECT))
    return {"project": view.name, "description": consent_description(view)}


async def on_subscribe(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    route = await customer_entry.accept(
        customer(manager),
        start_value(manager, PROJECT),
        start_value(manager, REQUEST),
        link_id=start_value(manager, LINK),
    )
    await start_route(manager, route)


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await start_route(manager, await customer_flow.decline(start_value(manager, REQUEST)))


def consent_dialog() -> Dialog:
    return Dialog(
        Window(
            T("consent-text"),
            Row(
                Button(T("button-subscribe"), id=ID_SUBSCRIBE, on_click=on_subscribe),
                Button(T("button-cancel"), id=ID_CANCEL, on_click=on_cancel),
            ),
            state=ConsentSG.main,
            getter=consent_getter,
        ),
    )
