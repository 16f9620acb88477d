"""Puts a Translator into every update's data, for handlers and dialog widgets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User

from dialogs.widgets import TRANSLATOR_KEY
from models.enums import Channel
from services import customers
from services.i18n import translator

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class TranslatorMiddleware(BaseMiddleware):
    """Locale = the user's Telegram language; for background dialog updates (no real user,
    e.g. the re-render after an agent reply) the language the chat last told us."""

    def __init__(self, default_locale: str) -> None:
        self.default_locale = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        language = user.language_code if user else None
        chat: Chat | None = data.get("event_chat")
        if language is None and chat is not None:
            language = await customers.language_of(Channel.TELEGRAM, chat.id)
        data[TRANSLATOR_KEY] = translator(language, self.default_locale)
        return await handler(event, data)
