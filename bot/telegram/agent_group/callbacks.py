"""Buttons on the ticket card: [Take] [Priority ▸] [Status ▸] [Close] and their sub-menus."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.telegram.agent_group import render
from bot.telegram.agent_group.context import desk_user, membership, user_t
from bot.telegram.agent_group.render import CardAction
from models.enums import Channel
from services import agent_desk
from services.agent_desk_types import DeskPress, Outcome, TicketCard
from services.i18n import Translator


def callbacks_router(card_t: Translator) -> Router:
    router = Router(name="agent_group.callbacks")

    async def on_card_action(query: CallbackQuery, callback_data: CardAction, bot: Bot) -> None:
        await handle_card_action(query, callback_data, bot, card_t)

    router.callback_query.register(on_card_action, CardAction.filter())
    return router


async def handle_card_action(
    query: CallbackQuery, data: CardAction, bot: Bot, card_t: Translator
) -> None:
    card = query.message
    assert card is not None  # a callback query from a group always names its chat
    press = DeskPress(
        platform=Channel.TELEGRAM,
        chat_id=card.chat.id,
        user=desk_user(query.from_user),
        ticket=data.ticket,
        button=data.action,
        value=data.value,
        card_editable=isinstance(card, Message),
    )
    result = await agent_desk.press(press, membership(bot))
    if result.outcome == Outcome.IGNORED:
        return  # not a bound chat: not our button
    if result.card is not None and isinstance(card, Message):
        await _show_card(card, result.card, card_t, result.menu)
    text = render.notice(result, user_t(query.from_user))
    await query.answer(text, show_alert=True if result.outcome == Outcome.NOT_ALLOWED else None)


async def _show_card(card: Message, ticket: TicketCard, t: Translator, menu: str | None) -> None:
    """Edit the pressed card right away (the queued agent event finds it up to date)."""
    try:
        await card.edit_text(
            render.card_text(ticket, t), reply_markup=render.card_keyboard(ticket, t, menu)
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message.lower():
            raise
