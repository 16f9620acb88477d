"""Ticket thread: number, status, type, the latest messages; writing here adds to the ticket."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from typing import Any

from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo
from aiogram_dialog.widgets.text import Format

from dialogs.common import SUBSCRIBER, TICKET, customer, part_of, start_value
from dialogs.states import ThreadSG
from dialogs.widgets import T, translator_of
from models.enums import Author, TicketStatus
from services import customers
from services.customers import ThreadView
from services.errors import HelpdeskError
from services.i18n import Translator, translator

log = logging.getLogger(__name__)

ID_INPUT = "say"
ID_CLOSE = "close"
ID_CLOSE_YES = "close_yes"
ID_CLOSE_NO = "close_no"
ID_BACK = "back"
ERROR = "error"
ERROR_SHOWN = "error_shown"  # the window on screen shows an error: the next message redraws it
ALBUM = "album"  # dialog data: the media group whose first part got the receipt
RECEIVED = "👌"  # the reaction on a customer's message once it is stored in the ticket
HISTORY_LIMIT = 20  # messages fetched; fewer are shown when they do not fit
HISTORY_BUDGET = 3300  # characters of history; the header and buttons fit in the rest of 4096
LINE_LIMIT = 600  # one long message must not push every other one out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=8192)
def _line(
    locale: str, author: Author, text: str, kinds: tuple[str, ...], created_at: datetime
) -> str:
    """One history line. The thread is redrawn after every message with the same 20 lines
    but one, and Fluent's formatting (a DATETIME each) was the window's biggest cost, so
    lines are kept per locale; a line depends on nothing but these arguments."""
    t = translator(locale)
    files = ", ".join(t(f"attachment-{kind}") for kind in kinds)
    key = "thread-line-agent" if author == Author.AGENT else "thread-line-customer"
    if author == Author.SYSTEM:
        key = "thread-line-system"
    body = _clip(text, LINE_LIMIT)
    if files:
        body = t("thread-files", files=files) + ("\n" + body if body else "")
    return t(key, text=body, time=created_at)


def render_history(view: ThreadView, t: Translator, budget: int = HISTORY_BUDGET) -> str:
    """Newest messages that fit in `budget`, oldest first; a line says how many are hidden."""
    lines: list[str] = []
    used = 0
    for message in reversed(view.messages):
        line = _line(
            t.locale,
            message.author,
            message.text,
            tuple(message.attachment_kinds),
            message.created_at,
        )
        if used + len(line) + 2 > budget:
            break
        lines.append(line)
        used += len(line) + 2
    hidden = view.total_messages - len(lines)
    if hidden > 0:
        lines.append(t("thread-earlier", count=hidden))
    return "\n\n".join(reversed(lines))


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
        "number": view.number,
        "status": t(f"status-{view.status}"),
        "ticket_type": view.type_name or t("thread-no-type"),
        "subject": _clip(view.subject or "-", 200),
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
    part = part_of(message)
    if not part.text and not part.attachments:
        manager.dialog_data[ERROR] = "error-unsupported-content"
        return
    try:
        status_changed = await customers.write(
            customer(manager), start_value(manager, SUBSCRIBER), start_value(manager, TICKET), part
        )
    except HelpdeskError as exc:
        manager.dialog_data[ERROR] = f"error-{exc.code}"
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
        Window(
            T("close-confirm"),
            Row(
                Button(T("button-close-yes"), id=ID_CLOSE_YES, on_click=on_close),
                SwitchTo(T("button-close-no"), id=ID_CLOSE_NO, state=ThreadSG.main),
            ),
            state=ThreadSG.confirm_close,
            getter=thread_getter,
        ),
    )
