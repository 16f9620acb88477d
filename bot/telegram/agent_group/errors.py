"""Domain errors raised while handling the agent group, answered as a short localized text."""

from __future__ import annotations

from aiogram.types import ErrorEvent

from bot.telegram.agent_group.context import reply, user_t
from services.errors import HelpdeskError, NotFound, TicketClosed

GROUP_TYPES = ("group", "supergroup")


def in_group(event: ErrorEvent) -> bool:
    """Only errors of agent-group updates (the customer bot maps its own)."""
    update = event.update
    query = update.callback_query
    message = query.message if query is not None else update.message or update.edited_message
    return message is not None and message.chat.type in GROUP_TYPES


async def on_helpdesk_error(event: ErrorEvent) -> None:
    error = event.exception
    assert isinstance(error, HelpdeskError)
    update = event.update
    query, message = update.callback_query, update.message
    t = user_t(query.from_user if query else message.from_user if message else None)
    if isinstance(error, TicketClosed):
        text = t("agent-error-closed")
    elif isinstance(error, NotFound):
        text = t("agent-error-not-found", detail=error.message)
    else:
        text = t("agent-error-invalid", detail=error.message)
    if query is not None:
        await query.answer(text, show_alert=True)
    elif message is not None:
        await reply(message, text)
