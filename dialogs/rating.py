"""The comment after a rating: "anything to add?" [Skip]. Started over whatever the customer
had open (bot/telegram/ratings.py, on a survey press); the next message here is the comment —
never a ticket message — and closing it returns to the screen below."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Format

from dialogs.common import customer, start_value
from dialogs.states import RatingSG
from dialogs.widgets import T, translator_of
from services import ratings

SURVEY = "survey"  # start data: the survey whose rating the comment joins
PROMPT = "prompt"  # dialog data: the answer shown (asked, or asked again for text)
ID_COMMENT = "rating_comment"
ID_SKIP = "rating_skip"


async def comment_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    key = dialog_manager.dialog_data.get(PROMPT) or ratings.Answer.ASK_COMMENT
    return {"prompt": translator_of(dialog_manager)(key)}


async def _finish(manager: DialogManager, outcome: ratings.Outcome, message: Message) -> None:
    if outcome.awaits_comment:
        manager.dialog_data[PROMPT] = outcome.answer
        return
    await message.answer(translator_of(manager)(outcome.answer))
    await manager.done(show_mode=ShowMode.SEND)  # the screen below comes back under it


async def on_comment(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    outcome = await ratings.comment(
        customer(manager), start_value(manager, SURVEY), message.text or message.caption
    )
    await _finish(manager, outcome, message)


async def on_skip(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    outcome = await ratings.skip(customer(manager), start_value(manager, SURVEY))
    await callback.answer()
    if isinstance(callback.message, Message):
        await _finish(manager, outcome, callback.message)


def rating_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{prompt}"),
            MessageInput(on_comment, content_types=ContentType.ANY, id=ID_COMMENT),
            Button(T("button-rating-skip"), id=ID_SKIP, on_click=on_skip),
            state=RatingSG.comment,
            getter=comment_getter,
        ),
    )
