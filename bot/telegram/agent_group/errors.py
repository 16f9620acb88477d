"""Domain errors raised while handling the agent group, answered as a short localized text."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Chat, ErrorEvent, Message, Update

from bot.telegram.agent_group.context import reply, user_t
from services.errors import HelpdeskError, NotFound, TicketClosed

GROUP_TYPES = ("group", "supergroup")


def _chat_of(update: Update) -> Chat | None:
    """The chat a message, an edit or a card button came from."""
    for message in (update.message, update.edited_message):
        if message is not None:
            return message.chat
    query = update.callback_query
    return query.message.chat if query is not None and query.message is not None else None


def in_group(event: ErrorEvent) -> bool:
    """Only errors of agent-group updates (the customer bot maps its own)."""
    chat = _chat_of(event.update)
    return chat is not None and chat.type in GROUP_TYPES


async def on_helpdesk_error(event: ErrorEvent) -> None:
    """A button gets an alert, a message a reply; errors of edits are not answered."""
    error = event.exception
    assert isinstance(error, HelpdeskError)
    update = event.update
    source: CallbackQuery | Message | None = (
        update.callback_query if update.callback_query is not None else update.message
    )
    t = user_t(source.from_user if source is not None else None)
    if isinstance(error, TicketClosed):
        text = t("agent-error-closed")
    elif isinstance(error, NotFound):
        text = t("agent-error-not-found", detail=error.message)
    else:
        text = t("agent-error-invalid", detail=error.message)
    if isinstance(source, CallbackQuery):
        await source.answer(text, show_alert=True)
    elif source is not None:
        await reply(source, text)
