"""Helpdesk menu: [New ticket] [My tickets (n)] [Unsubscribe]; the project picker; every
[Back] that leads to the menu."""

from __future__ import annotations

from maxapi.types.updates.message_callback import MessageCallback

from bot.max.chat import MaxChat
from bot.max.payloads import Nav
from bot.max.screens import go, open_route, show
from bot.max.states import CHOSEN_TYPE, Screen
from services import customer_entry, customer_flow
from services.customer_flow import (
    PAGE,
    PARTS,
    PROJECT,
    SUBSCRIBER,
    TICKET,
    TICKET_TYPE,
    TYPE_USED,
)


async def on_new_ticket(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    data = await chat.data()
    preselected = None if data.get(TYPE_USED) else data.get(TICKET_TYPE)
    step = await customer_flow.start_new_ticket(data[PROJECT], data[SUBSCRIBER], preselected)
    if not step.allowed:  # the re-rendered menu has no button
        await show(chat)
    elif step.pick_type:
        await go(chat, Screen.types)
    else:
        await go(chat, Screen.compose, **{CHOSEN_TYPE: step.ticket_type_id, PARTS: []})


async def on_menu(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.menu, **{PARTS: [], TICKET: None, PAGE: 0})


async def on_my_tickets(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.my_tickets, **{PAGE: 0})


async def on_unsubscribe(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.unsubscribe)


async def on_unsubscribe_yes(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    data = await chat.data()
    await open_route(chat, await customer_flow.unsubscribe(data[PROJECT], data[SUBSCRIBER]))


async def on_project(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await open_route(chat, await customer_entry.choose_project(chat.customer, payload.arg or ""))
