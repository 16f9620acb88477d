"""Consent: the project introduces itself; [Subscribe] accepts (the request too), [Cancel]
declines it."""

from __future__ import annotations

from maxapi.types.updates.message_callback import MessageCallback

from bot.max.chat import MaxChat
from bot.max.screens import open_route
from services import customer_entry, customer_flow
from services.customer_flow import LINK, PROJECT, REQUEST


async def on_subscribe(event: MessageCallback, chat: MaxChat) -> None:
    data = await chat.data()
    route = await customer_entry.accept(
        chat.customer, data[PROJECT], data.get(REQUEST), link_id=data.get(LINK)
    )
    await open_route(chat, route)


async def on_decline(event: MessageCallback, chat: MaxChat) -> None:
    await open_route(chat, await customer_flow.decline((await chat.data()).get(REQUEST)))
