"""New ticket: type picker, then the customer describes the problem in one or more
messages (text, images, files, audio, video) and presses [Send]."""

from __future__ import annotations

from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated

from bot.max.attachments import part_of
from bot.max.chat import MaxChat
from bot.max.payloads import Action, Nav
from bot.max.screens import go, show
from bot.max.states import BACK, CHOSEN_TYPE, Screen
from services import customer_flow
from services.customer_flow import ERROR, PARTS, PROJECT, TICKET, TYPE_USED


async def on_type(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    await go(chat, Screen.compose, **{CHOSEN_TYPE: payload.arg, PARTS: []})


async def on_draft_message(event: MessageCreated, chat: MaxChat) -> None:
    """Every message is collected and the prompt shown again below it with [Send]."""
    data = await chat.data()
    data.pop(ERROR, None)
    error = customer_flow.add_to_draft(data.setdefault(PARTS, []), part_of(event.message))
    if error is not None:
        data[ERROR] = error
    await chat.context.set_data(data)
    await show(chat)


async def on_send(event: MessageCallback, chat: MaxChat, payload: Nav) -> None:
    data = await chat.data()
    ticket_id, error = await customer_flow.send_draft(
        chat.customer, data[PROJECT], data.get(PARTS) or [], data.get(CHOSEN_TYPE)
    )
    if ticket_id is None:
        data[ERROR] = error
        await chat.context.set_data(data)
        await show(chat)
        return
    changes = {TICKET: ticket_id, BACK: Action.MENU, PARTS: [], TYPE_USED: True}
    await go(chat, Screen.thread, **changes)
