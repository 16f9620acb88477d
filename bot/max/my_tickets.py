"""My tickets: the customer's tickets, active first, five a page; a row opens its thread."""

from __future__ import annotations

from maxapi.types.updates.message_callback import MessageCallback

from bot.max.chat import MaxChat
from bot.max.payloads import Action, Nav
from bot.max.screens import go
from bot.max.states import BACK, Screen
from services.customer_flow import PAGE, TICKET


async def on_ticket(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.thread, **{TICKET: payload.arg, BACK: Action.MY_TICKETS})


async def on_page(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    arg = payload.arg or ""
    page = int(arg) if arg.isdigit() else 0
    await go(chat, Screen.my_tickets, **{PAGE: page})
