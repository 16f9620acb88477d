"""New ticket: the customer describes the problem in one or more messages, then [Send]."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import BaseDialogManager, Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row

from dialogs.common import customer, part_of, start_value
from dialogs.states import NewTicketSG
from dialogs.widgets import T, translator_of
from services import customer_flow
from services.customer_flow import ERROR, PARTS, PROJECT, TICKET, TICKET_TYPE

ID_INPUT = "draft"
ID_SEND = "send"
ID_CANCEL = "cancel"
# an album arrives as one update per photo, milliseconds apart; its window is shown once,
# when no photo of it came for this long
ALBUM_SETTLE_SECONDS = 0.8

log = logging.getLogger(__name__)
_album_redraws: dict[tuple[int, int], asyncio.Task[None]] = {}


async def draft_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    parts = dialog_manager.dialog_data.get(PARTS, [])
    error = dialog_manager.dialog_data.get(ERROR)
    return {
        "messages": len(parts),
        "files": sum(len(p.get("attachments") or []) for p in parts),
        "has_parts": bool(parts),
        "error": translator_of(dialog_manager)(error) if error else "",
    }


async def on_draft_message(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    """Every message (an album is several) is collected; [Send] turns them into one ticket."""
    manager.dialog_data.pop(ERROR, None)
    parts = manager.dialog_data.setdefault(PARTS, [])
    error = customer_flow.add_to_draft(parts, part_of(message))
    if error is not None:
        manager.dialog_data[ERROR] = error
        return
    if message.media_group_id is not None:
        # not after each photo (that re-sent or edited the window once per photo)
        manager.show_mode = ShowMode.NO_UPDATE
        _redraw_after_album(manager.bg(), message.chat.id, message.from_user)


def _redraw_after_album(bg: BaseDialogManager, chat_id: int, user: Any) -> None:
    """One window below the album once it is complete: each photo postpones the redraw.

    The redraw is a background dialog update for this dialog's intent: if the customer has
    moved on meanwhile (pressed Send, Cancel), it is outdated and dropped (no message is
    answered, see `dialogs.common.on_unknown_intent`)."""
    key = (chat_id, user.id if user else chat_id)
    pending = _album_redraws.pop(key, None)
    if pending is not None:
        pending.cancel()

    async def redraw() -> None:
        await asyncio.sleep(ALBUM_SETTLE_SECONDS)
        if _album_redraws.get(key) is asyncio.current_task():
            del _album_redraws[key]
        try:
            await bg.update({}, show_mode=ShowMode.SEND)
        except Exception:  # the parts are stored; only the window is late
            log.exception("could not show the new-ticket window after an album")

    _album_redraws[key] = asyncio.create_task(redraw(), name=f"album-redraw-{chat_id}")


async def on_send(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    ticket_id, error = await customer_flow.send_draft(
        customer(manager),
        start_value(manager, PROJECT),
        manager.dialog_data.get(PARTS, []),
        start_value(manager, TICKET_TYPE),
    )
    if ticket_id is None:
        manager.dialog_data[ERROR] = error
        return
    await manager.done({TICKET: ticket_id})


def new_ticket_dialog() -> Dialog:
    return Dialog(
        Window(
            T("new-ticket-prompt"),
            T("new-ticket-collected", when="has_parts"),
            T("error-line", when="error"),
            MessageInput(on_draft_message, content_types=ContentType.ANY),
            Row(
                Button(T("button-send"), id=ID_SEND, on_click=on_send, when="has_parts"),
                Cancel(T("button-cancel"), id=ID_CANCEL),
            ),
            state=NewTicketSG.compose,
            getter=draft_getter,
        ),
    )
