"""Customer entry points: /start (deep links), /menu, the "open ticket #N" button and the
callback buttons of subscriber messages."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode

from bot.telegram.filters import Magic
from dialogs.common import customer_of, start_route
from models.enums import Channel
from services import customer_entry, messages

OPEN_TICKET_PREFIX = "open_ticket:"  # services.notifications puts it on "ticket created"


async def on_start_link(
    message: Message, command: CommandObject, dialog_manager: DialogManager
) -> None:
    who = customer_of(message.from_user, message.chat)
    route = await customer_entry.route_deep_link(who, command.args or "")
    await start_route(dialog_manager, route, ShowMode.SEND)


async def on_start(message: Message, dialog_manager: DialogManager) -> None:
    route = await customer_entry.route_start(customer_of(message.from_user, message.chat))
    await start_route(dialog_manager, route, ShowMode.SEND)


async def on_open_ticket(callback: CallbackQuery, dialog_manager: DialogManager) -> None:
    await callback.answer()
    chat = callback.message.chat if callback.message else None
    if chat is None or callback.data is None:
        return
    ticket_id = callback.data.removeprefix(OPEN_TICKET_PREFIX)
    route = await customer_entry.route_to_ticket(customer_of(callback.from_user, chat), ticket_id)
    await start_route(dialog_manager, route, ShowMode.SEND)


async def on_message_button(callback: CallbackQuery) -> None:
    """A callback button of a subscriber message (POST /v1/messages, broadcasts): the press
    is reported (button.clicked) and acknowledged, the message stays as it is."""
    chat = callback.message.chat if callback.message else None
    if chat is not None and callback.data is not None:
        await messages.button_clicked(str(Channel.TELEGRAM), chat.id, callback.data)
    await callback.answer()


async def on_stray_message(message: Message, dialog_manager: DialogManager) -> None:
    """Text outside any dialog (a fresh chat, storage lost): show where they can go."""
    await on_start(message, dialog_manager)


def fallback_router() -> Router:
    """Registered after the dialogs, so it only sees messages no window took."""
    router = Router(name=f"{__name__}.fallback")
    router.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    router.message.register(on_stray_message)
    return router


def customer_router() -> Router:
    router = Router(name=__name__)
    # the helpdesk talks to customers in private chats only (groups are the agents' side)
    # only commands here: other messages (most of them, in ticket threads) skip the checks
    router.message.filter(Magic((F.chat.type == ChatType.PRIVATE) & F.text.startswith("/")))
    router.callback_query.filter(Magic(F.message.chat.type == ChatType.PRIVATE))
    # deep links first: plain CommandStart() would also match "/start payload"
    router.message.register(on_start_link, CommandStart(deep_link=True))
    router.message.register(on_start, CommandStart())
    router.message.register(on_start, Command("menu"))
    router.callback_query.register(on_open_ticket, Magic(F.data.startswith(OPEN_TICKET_PREFIX)))
    message_button = Magic(F.data.startswith(messages.CALLBACK_PREFIX))
    router.callback_query.register(on_message_button, message_button)
    return router
