"""My tickets: the customer's tickets, active first, five a page; a row opens its thread."""

from __future__ import annotations

from maxapi import F, Router
from maxapi.types.updates.message_callback import MessageCallback

from bot.max import payloads as p
from bot.max.chat import MaxChat
from bot.max.payloads import Nav
from bot.max.screens import go
from bot.max.states import BACK, Screen
from services.customer_flow import PAGE, TICKET


async def on_ticket(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.thread, **{TICKET: payload.arg, BACK: p.MY_TICKETS})


async def on_page(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    arg = payload.arg or ""
    page = int(arg) if arg.isdigit() else 0
    await go(chat, Screen.my_tickets, **{PAGE: page})


def my_tickets_router() -> Router:
    router = Router(router_id=__name__)
    cb = router.message_callback
    cb.register(on_ticket, Nav.filter(F.action == p.TICKET), Screen.my_tickets)
    cb.register(on_page, Nav.filter(F.action == p.PAGE), Screen.my_tickets)
    return router
