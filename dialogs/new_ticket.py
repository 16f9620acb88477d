"""New ticket: the customer describes the problem in one or more messages, then [Send]."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row

from dialogs.common import PROJECT, TICKET, TICKET_TYPE, customer, part_of, start_value
from dialogs.states import NewTicketSG
from dialogs.widgets import T, translator_of
from services import customers
from services.customers import DraftPart
from services.errors import HelpdeskError

ID_INPUT = "draft"
ID_SEND = "send"
ID_CANCEL = "cancel"
PARTS = "parts"
ERROR = "error"
MAX_PARTS = 30  # a generous album plus text; more is almost certainly a mistake


def _parts(manager: DialogManager) -> list[DraftPart]:
    return [DraftPart(**raw) for raw in manager.dialog_data.get(PARTS, [])]


async def draft_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    parts = _parts(dialog_manager)
    error = dialog_manager.dialog_data.get(ERROR)
    return {
        "messages": len(parts),
        "files": sum(len(p.attachments) for p in parts),
        "has_parts": bool(parts),
        "error": translator_of(dialog_manager)(error) if error else "",
    }


async def on_draft_message(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    """Every message (an album is several) is collected; [Send] turns them into one ticket."""
    manager.dialog_data.pop(ERROR, None)
    part = part_of(message)
    if not part.text and not part.attachments:
        manager.dialog_data[ERROR] = "error-unsupported-content"
        return
    parts = manager.dialog_data.setdefault(PARTS, [])
    if len(parts) >= MAX_PARTS:
        manager.dialog_data[ERROR] = "error-too-many-parts"
        return
    parts.append(asdict(part))


async def on_send(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    try:
        ticket_id = await customers.open_ticket(
            customer(manager),
            start_value(manager, PROJECT),
            _parts(manager),
            start_value(manager, TICKET_TYPE),
        )
    except HelpdeskError as exc:
        manager.dialog_data[ERROR] = f"error-{exc.code}"
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
