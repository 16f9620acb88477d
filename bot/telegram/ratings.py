"""A survey button pressed in Telegram ("rate:<survey>:<score>", put on the survey by
services.ratings): the use case decides; a rating opens the comment dialog over the
customer's screen, anything else is answered on the button."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.telegram.filters import Magic
from dialogs.common import customer_of
from dialogs.rating import SURVEY
from dialogs.states import RatingSG
from services import ratings
from services.i18n import Translator


async def on_rating_press(
    callback: CallbackQuery, dialog_manager: DialogManager, translator: Translator
) -> None:
    chat = callback.message.chat if callback.message else None
    press = ratings.parse_press(callback.data)
    t = translator  # the middleware's (dialogs.widgets.TRANSLATOR_KEY)
    if chat is None or press is None:
        await callback.answer(t(ratings.Answer.ENDED))
        return
    outcome = await ratings.rate(customer_of(callback.from_user, chat), press)
    if not outcome.awaits_comment:
        await callback.answer(t(outcome.answer), show_alert=True)
        return
    await callback.answer()
    await dialog_manager.start(
        RatingSG.comment, {SURVEY: outcome.survey_id}, StartMode.NORMAL, ShowMode.SEND
    )


def rating_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Magic(F.message.chat.type == ChatType.PRIVATE))
    router.callback_query.register(
        on_rating_press, Magic(F.data.startswith(ratings.PRESS_PREFIX))
    )
    return router
