"""Builds the maxapi Bot and Dispatcher of the customer bot; nothing exists at import time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from maxapi import Bot, Dispatcher
from maxapi.context.context import MemoryContext, RedisContext
from maxapi.types.error_event import ErrorEvent
from redis.asyncio import Redis

from bot.max.agent_chat.handlers import handle_group_update
from bot.max.chat import ChatMiddleware, chat_of
from bot.max.entry import entry_router, fallback_router
from bot.max.rating import rating_router
from bot.max.routes import screens_router
from bot.max.screens import open_route
from bot.runtime_base import note_retryable
from helpdesk.settings import Settings
from services import customer_entry

log = logging.getLogger(__name__)
FSM_PREFIX = "hd:max:fsm"


def create_bot(settings: Settings) -> Bot:
    """`auto_requests=False`: no extra GET /chats per update (we never need the chat)."""
    if settings.max_bot_token is None:
        raise ValueError("MAX_BOT_TOKEN is not set")
    bot = Bot(settings.max_bot_token.get_secret_value(), auto_requests=False)
    if settings.max_api_base:
        bot.set_api_url(settings.max_api_base)
    return bot


def create_dispatcher(settings: Settings, redis: Redis | None = None) -> Dispatcher:
    """Entry points first (a /start beats any screen), then what each screen takes, then a
    fallback for whatever no screen takes. FSM in Redis when configured (restarts and
    several processes keep the customer's screen)."""
    storage_kwargs: dict[str, Any] = {}
    if redis is not None:
        storage_kwargs = {"redis_client": redis, "key_prefix": FSM_PREFIX}
    dp = Dispatcher(storage=RedisContext if redis else MemoryContext, **storage_kwargs)
    locale = settings.default_locale

    async def agent_chat(event: Any, bot: Bot) -> None:
        await handle_group_update(event, bot, locale)

    dp.outer_middleware(ChatMiddleware(dp, locale, groups=agent_chat))
    dp.include_routers(
        entry_router(),
        rating_router(),
        screens_router(),
        fallback_router(),
    )
    dp.errors.register(error_handler(dp, settings.default_locale))
    return dp


def error_handler(dp: Dispatcher, default_locale: str) -> Callable[[ErrorEvent], Awaitable[None]]:
    async def on_error(event: ErrorEvent) -> None:
        """A stale button (its ticket or project gone, storage lost): back to where /start
        leads — never stuck, never a raw error text."""
        if note_retryable(event.exception):  # not a stale button: the update comes again
            return
        log.warning("MAX update failed; resetting the screen", exc_info=event.exception)
        try:
            chat = await chat_of(dp, event.update, default_locale)
            if chat is not None:
                await open_route(chat, await customer_entry.route_start(chat.customer))
        except Exception:
            log.exception("could not reset the customer's screen")

    return on_error
