"""Consent: the project introduces itself; [Subscribe] accepts (the request too), [Cancel]
declines it."""

from __future__ import annotations

from maxapi import F, Router
from maxapi.types.updates.message_callback import MessageCallback

from bot.max import payloads as p
from bot.max.chat import MaxChat
from bot.max.payloads import Nav
from bot.max.screens import open_route
from bot.max.states import Screen
from services import customer_flow, customers
from services.customer_flow import PROJECT, REQUEST


async def on_subscribe(event: MessageCallback, chat: MaxChat) -> None:
    data = await chat.data()
    route = await customers.accept(chat.customer, data[PROJECT], data.get(REQUEST))
    await open_route(chat, route)


async def on_decline(event: MessageCallback, chat: MaxChat) -> None:
    await open_route(chat, await customer_flow.decline((await chat.data()).get(REQUEST)))


def consent_router() -> Router:
    router = Router(router_id=__name__)
    cb = router.message_callback
    cb.register(on_subscribe, Nav.filter(F.action == p.SUBSCRIBE), Screen.consent)
    cb.register(on_decline, Nav.filter(F.action == p.DECLINE), Screen.consent)
    return router
