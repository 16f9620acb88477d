"""Domain errors raised while handling the agent group, answered as a short localized text."""

from __future__ import annotations

from aiogram.types import ErrorEvent

from bot.telegram.agent_group.context import reply, user_t
from services.errors import HelpdeskError, NotFound, TicketClosed

GROUP_TYPES = ("group", "supergroup")


def in_group(event: ErrorEvent) -> bool:
    """Only errors of agent-group updates (the customer bot maps its own)."""
    update = event.update
    chat = None
    if update.message is not None:
        chat = update.message.chat
    elif update.edited_message is not None:
        chat = update.edited_message.chat
    elif update.callback_query is not None and update.callback_query.message is not None:
        chat = update.callback_query.message.chat
    return chat is not None and chat.type in GROUP_TYPES


async def on_helpdesk_error(event: ErrorEvent) -> None:
    error = event.exception
    assert isinstance(error, HelpdeskError)
    update = event.update
    user = None
    if update.callback_query is not None:
        user = update.callback_query.from_user
    elif update.message is not None:
        user = update.message.from_user
    t = user_t(user)
    if isinstance(error, TicketClosed):
        text = t("agent-error-closed")
    elif isinstance(error, NotFound):
        text = t("agent-error-not-found", detail=error.message)
    else:
        text = t("agent-error-invalid", detail=error.message)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await reply(update.message, text)
