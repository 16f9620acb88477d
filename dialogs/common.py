"""What every dialog shares: who the customer is, ids in start data, routing to a screen."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.types import Chat, ErrorEvent, Message, User
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.presentation import notice_text
from bot.telegram.attachments import attachments_of
from dialogs.states import ConsentSG, MenuSG, NoticeSG, ProjectsSG
from dialogs.widgets import translator_of
from models.enums import Channel
from services import customer_entry
from services.customer_flow import NOTICE, NOTICE_ARGS, PROJECT, SUBSCRIBER, landing
from services.customer_views import Customer, DraftPart, Route, Screen

log = logging.getLogger(__name__)

# the dialog each landing screen opens
_DIALOG = {
    Screen.CONSENT: ConsentSG.main,
    Screen.MENU: MenuSG.main,
    Screen.PICKER: ProjectsSG.main,
    Screen.NOTICE: NoticeSG.main,
}


def customer_of(user: User | None, chat: Chat) -> Customer:
    return Customer(
        channel=Channel.TELEGRAM,
        chat_id=chat.id,
        first_name=user.first_name if user else None,
        last_name=user.last_name if user else None,
        username=user.username if user else None,
        language_code=user.language_code if user else None,
    )


def customer(manager: DialogManager) -> Customer:
    data = manager.middleware_data
    return customer_of(data.get("event_from_user"), data["event_chat"])


def start_value(manager: DialogManager, key: str) -> Any:
    data = manager.start_data
    return data.get(key) if isinstance(data, dict) else None


def notice_of(manager: DialogManager, default: str | None = None) -> str:
    """The notice a route put in the start data, rendered ("" when there is none)."""
    key = start_value(manager, NOTICE) or default
    return notice_text(translator_of(manager), key, start_value(manager, NOTICE_ARGS))


def ids(manager: DialogManager) -> dict[str, str]:
    """The project and subscriber a child dialog works for (passed down as start data)."""
    return {PROJECT: start_value(manager, PROJECT), SUBSCRIBER: start_value(manager, SUBSCRIBER)}


def part_of(message: Message) -> DraftPart:
    """Text and media of one Telegram message; files are kept as Telegram file ids."""
    return DraftPart(
        text=message.text or message.caption or "",
        attachments=attachments_of(message, mime_type=False),
        message_id=str(message.message_id),
    )


async def start_route(
    manager: DialogManager, route: Route, show_mode: ShowMode | None = None
) -> None:
    """Open the screen a use case chose; always on a fresh stack (no dead ends behind it)."""
    await manager.start(_DIALOG[route.screen], landing(route), StartMode.RESET_STACK, show_mode)


async def on_unknown_intent(event: ErrorEvent, dialog_manager: DialogManager) -> None:
    """A stale button (old message, restart, lost storage): back to the menu, never stuck."""
    log.info("stale dialog button, resetting: %s", event.exception)
    user, chat = None, None
    update = event.update
    if update.callback_query is not None:
        user = update.callback_query.from_user
        msg = update.callback_query.message
        chat = msg.chat if msg is not None else None
        if chat is None and user is not None:
            chat = Chat(id=user.id, type="private")
    elif update.message is not None:
        user, chat = update.message.from_user, update.message.chat
    if chat is None:
        return
    route = await customer_entry.route_start(customer_of(user, chat))
    await start_route(dialog_manager, route, ShowMode.SEND)
