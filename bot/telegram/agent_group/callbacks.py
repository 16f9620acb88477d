"""Buttons on the ticket card: [Take] [Priority ▸] [Status ▸] [Close] and their sub-menus."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.telegram.agent_group import render
from bot.telegram.agent_group.context import acting_agent, user_t
from bot.telegram.agent_group.render import CardAction
from models import Project, Ticket
from models.enums import TicketStatus
from services import agent_chat, ticket_queries, tickets
from services.i18n import Translator


def callbacks_router(card_t: Translator) -> Router:
    router = Router(name="agent_group.callbacks")

    async def on_card_action(
        query: CallbackQuery, callback_data: CardAction, bot: Bot, project: Project
    ) -> None:
        await handle_card_action(query, callback_data, bot, project, card_t)

    router.callback_query.register(on_card_action, CardAction.filter())
    return router


async def handle_card_action(
    query: CallbackQuery, data: CardAction, bot: Bot, project: Project, card_t: Translator
) -> None:
    t = user_t(query.from_user)
    card = query.message
    if not isinstance(card, Message):
        await query.answer()
        return
    agent = await acting_agent(bot, project, card.chat.id, query.from_user)
    if agent is None:
        await query.answer(t("agent-not-allowed"), show_alert=True)
        return
    ticket = await agent_chat.ticket_of_project(project, data.ticket)
    menu: str | None = None
    notice: str | None = None
    if data.action == render.TAKE:
        ticket = await tickets.assign(project, ticket.id, agent.id)
        notice = t("agent-assigned", agent=agent.name)
    elif data.action in (render.PRIORITY_MENU, render.STATUS_MENU):
        menu = data.action
    elif data.action == render.SET_PRIORITY:
        ticket = await tickets.set_priority(project, ticket.id, data.value)
        notice = t("agent-priority-set", priority=t(f"agent-priority-{ticket.priority}"))
    elif data.action in (render.SET_STATUS, render.CLOSE, render.REOPEN):
        status = {render.CLOSE: TicketStatus.CLOSED, render.REOPEN: TicketStatus.OPEN}.get(
            data.action, data.value
        )
        ticket = await tickets.change_status(project, ticket.id, status)
        notice = t("agent-status-set", status=t(f"agent-status-{ticket.status}"))
    await _show_card(card, ticket, card_t, menu)
    await query.answer(notice)


async def _show_card(card: Message, ticket: Ticket, t: Translator, menu: str | None) -> None:
    """Edit the pressed card right away (the queued agent event finds it up to date)."""
    await ticket_queries.load(ticket)
    try:
        await card.edit_text(
            render.card_text(ticket, t), reply_markup=render.card_keyboard(ticket, t, menu)
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message.lower():
            raise
