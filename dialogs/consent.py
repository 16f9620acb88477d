"""Consent: the project introduces itself, the customer subscribes or declines."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Row

from dialogs.common import NOTICE, PROJECT, REQUEST, customer, start_route, start_value
from dialogs.states import ConsentSG, NoticeSG
from dialogs.widgets import T
from services import customers

ID_SUBSCRIBE = "subscribe"
ID_CANCEL = "cancel"


async def consent_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    view = await customers.consent_view(start_value(dialog_manager, PROJECT))
    # Fluent refuses placeables over 2500 characters; a consent screen needs far fewer
    description = view.description if len(view.description) <= 1500 else view.description[:1499]
    return {"project": view.name, "description": description or "-"}


async def on_subscribe(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    route = await customers.accept(
        customer(manager), start_value(manager, PROJECT), start_value(manager, REQUEST)
    )
    await start_route(manager, route)


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await customers.decline(start_value(manager, REQUEST))
    await manager.start(NoticeSG.main, {NOTICE: "consent-cancelled"}, StartMode.RESET_STACK)


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
