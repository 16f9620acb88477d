"""Ticket thread: number, status, type, the latest messages; writing here adds to the ticket."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.presentation import HISTORY_LIMIT, render_history, thread_header
from dialogs.common import customer, part_of, start_value
from dialogs.states import ThreadSG
from dialogs.widgets import T, confirm_window, translator_of
from models.enums import TicketStatus
from services import customers
from services.customer_flow import ERROR, SUBSCRIBER, TICKET, error_key
from services.errors import HelpdeskError

log = logging.getLogger(__name__)

ID_INPUT = "say"
ID_CLOSE = "close"
ID_BACK = "back"
ERROR_SHOWN = "error_shown"  # the window on screen shows an error: the next message redraws it
ALBUM = "album"  # dialog data: the media group whose first part got the receipt
RECEIVED = "👌"  # the reaction on a customer's message once it is stored in the ticket


async def thread_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    t = translator_of(dialog_manager)
    view = await customers.thread(
        start_value(dialog_manager, SUBSCRIBER),
        start_value(dialog_manager, TICKET),
        limit=HISTORY_LIMIT,
    )
    error = dialog_manager.dialog_data.pop(ERROR, None)
    if error:
        dialog_manager.dialog_data[ERROR_SHOWN] = True
    else:
        dialog_manager.dialog_data.pop(ERROR_SHOWN, None)
    return {
        **thread_header(view, t),
        "history": render_history(view, t),
        "closed": view.status == TicketStatus.CLOSED,
        "open": view.status != TicketStatus.CLOSED,
        "error": t(error) if error else "",
    }


async def on_thread_message(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    """The customer writes in the thread: added to the ticket (a closed one is reopened).

    A stored message gets a 👌 reaction, and the window stays where it is: sending it again
    below every message echoed the customer's own words back in a 20-line window (two Bot
    API calls each, against Telegram's one message a second per chat). The window is sent
    again when something in it changed: the status, or an error to show."""
    try:
        status_changed = await customers.write(
            customer(manager),
            start_value(manager, SUBSCRIBER),
            start_value(manager, TICKET),
            part_of(message),
        )
    except HelpdeskError as exc:  # also a message with nothing to keep (customers.write)
        manager.dialog_data[ERROR] = error_key(exc)
        return
    if status_changed or manager.dialog_data.pop(ERROR_SHOWN, False):
        return  # redrawn below the message: the new status and buttons, or without the error
    manager.show_mode = ShowMode.NO_UPDATE
    album = message.media_group_id
    if album is not None:
        if manager.dialog_data.get(ALBUM) == album:
            return  # an album is one receipt, on its first part
        manager.dialog_data[ALBUM] = album
    await _mark_received(message)


async def _mark_received(message: Message) -> None:
    try:
        await message.react([ReactionTypeEmoji(emoji=RECEIVED)])
    except TelegramAPIError as exc:  # stored all the same; a receipt is not worth a retry
        log.info("no receipt on message %s: %s", message.message_id, exc)


async def on_close(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await customers.close(start_value(manager, SUBSCRIBER), start_value(manager, TICKET))
    await manager.switch_to(ThreadSG.main)


def thread_dialog() -> Dialog:
    return Dialog(
        Window(
            T("thread-header"),
            # history is assembled from per-message keys; Fluent refuses placeables > 2500 chars
            Format("{history}", when="history"),
            T("thread-closed-hint", when="closed"),
            T("thread-write-hint", when="open"),
            T("error-line", when="error"),
            MessageInput(on_thread_message, content_types=ContentType.ANY),
            Row(
                SwitchTo(
                    T("button-close-ticket"), id=ID_CLOSE, state=ThreadSG.confirm_close, when="open"
                ),
                Cancel(T("button-back"), id=ID_BACK),
            ),
            state=ThreadSG.main,
            getter=thread_getter,
        ),
        confirm_window(
            "close", ID_CLOSE, on_close, ThreadSG.confirm_close, ThreadSG.main, thread_getter
        ),
    )
