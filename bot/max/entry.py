"""Where a MAX customer lands: Start (deep link payload), /start and /menu, the
"open ticket #N" button of notifications, and anything no other screen takes."""

from __future__ import annotations

from maxapi import F, Router
from maxapi.filters.command import Command
from maxapi.types.updates.bot_started import BotStarted
from maxapi.types.updates.bot_stopped import BotStopped
from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated

from bot.max.chat import MaxChat
from bot.max.payloads import OPEN_TICKET_PREFIX
from bot.max.screens import open_route
from models.enums import Channel
from services import customer_entry, messages


async def on_bot_started(event: BotStarted, chat: MaxChat) -> None:
    """`https://max.ru/<bot>?start=X` arrives here with X as the payload."""
    route = await customer_entry.route_deep_link(chat.customer, event.payload or "")
    await open_route(chat, route)


async def on_bot_stopped(event: BotStopped, chat: MaxChat) -> None:
    """The customer stopped (blocked) the bot: every subscription of the chat becomes
    `blocked` (subscription.cancelled, reason blocked), so nothing is queued for it."""
    await customer_entry.blocked_by_messenger(chat.customer)
    await chat.context.clear()


async def on_start_command(event: MessageCreated, chat: MaxChat) -> None:
    """/start or /menu; a typed `/start hdreq_…` is treated as the deep link it names."""
    words = (event.message.body.text or "").split(maxsplit=1) if event.message.body else []
    payload = words[1].strip() if len(words) > 1 else ""
    if payload:
        route = await customer_entry.route_deep_link(chat.customer, payload)
    else:
        route = await customer_entry.route_start(chat.customer)
    await open_route(chat, route)


async def on_open_ticket(event: MessageCallback, chat: MaxChat) -> None:
    ticket_id = (event.callback.payload or "").removeprefix(OPEN_TICKET_PREFIX)
    await open_route(chat, await customer_entry.route_to_ticket(chat.customer, ticket_id))


async def on_message_button(event: MessageCallback, chat: MaxChat) -> None:
    """A callback button of a subscriber message: reported (button.clicked), acknowledged."""
    await messages.button_clicked(str(Channel.MAX), chat.chat_id, event.callback.payload or "")
    await chat.ack()


async def on_stray(event: MessageCreated | MessageCallback, chat: MaxChat) -> None:
    """A message outside compose/thread, or a button of a screen that is gone: /start."""
    await open_route(chat, await customer_entry.route_start(chat.customer))


def entry_router() -> Router:
    router = Router(router_id=__name__)
    router.bot_started.register(on_bot_started)
    router.bot_stopped.register(on_bot_stopped)
    router.message_created.register(on_start_command, Command("start"))
    router.message_created.register(on_start_command, Command("menu"))
    open_ticket = F.callback.payload.startswith(OPEN_TICKET_PREFIX)
    router.message_callback.register(on_open_ticket, open_ticket)
    message_button = F.callback.payload.startswith(messages.CALLBACK_PREFIX)
    router.message_callback.register(on_message_button, message_button)
    return router


def fallback_router() -> Router:
    """Included last, so it only sees what no flow took."""
    router = Router(router_id=f"{__name__}.fallback")
    router.message_created.register(on_stray)
    router.message_callback.register(on_stray)
    return router
