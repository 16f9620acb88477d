"""Ticket thread: number, status, type, the latest messages; writing adds to the ticket (a
closed one is reopened); [Close ticket] asks first; [Back] returns where the customer was."""

from __future__ import annotations

from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated

from bot.max.attachments import part_of
from bot.max.chat import MaxChat
from bot.max.payloads import Action, Nav
from bot.max.screens import go, show
from bot.max.states import BACK, Screen
from services import customers
from services.customer_flow import ERROR, PARTS, SUBSCRIBER, TICKET, error_key
from services.errors import HelpdeskError


async def on_close(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.confirm_close)


async def on_close_yes(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    data = await chat.data()
    await customers.close(data[SUBSCRIBER], data[TICKET])
    await go(chat, Screen.thread)


async def on_close_no(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.thread)


async def on_back(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    if (await chat.data()).get(BACK) == Action.MY_TICKETS:
        await go(chat, Screen.my_tickets)
    else:
        await go(chat, Screen.menu, **{TICKET: None, PARTS: []})


async def on_thread_message(event: MessageCreated, chat: MaxChat) -> None:
    """Added to the ticket; the thread is shown again below the customer's message."""
    data = await chat.data()
    part = part_of(event.message)
    try:
        await customers.write(chat.customer, data[SUBSCRIBER], data[TICKET], part)
    except HelpdeskError as exc:  # also a message with nothing to keep (customers.write)
        data[ERROR] = error_key(exc)
    await chat.context.set_data(data)
    await show(chat)
