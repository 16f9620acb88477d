"""The Telegram bot's life inside the aiohttp app (the skeleton is bot/runtime_base.py):
its Bot, FSM storage and dispatcher with the dialogs, webhook or polling."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Update
from aiohttp import web

from bot.runtime_base import (
    RETRY_DELAYS,
    BotRuntime,
    handle_once,
    is_retryable,
    setup_bot,
    setup_delivery,
)
from bot.telegram.factory import create_bot, create_dispatcher, create_storage
from bot.telegram.hooks import thread_refresher
from bot.telegram.webhook import TelegramWebhook, seen_updates
from delivery.telegram_agent_chat import setup_agent_chat_delivery
from helpdesk.metrics import observe_updates
from models.enums import Channel
from services.notifications import CUSTOMER_TEXT

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/bot/telegram/webhook"
WEBHOOK_HANDLER = web.AppKey("telegram_webhook", TelegramWebhook)

# keys in Resources.extras
EXTRA_DISPATCHER = "telegram_dispatcher"
EXTRA_BG_FACTORY = "telegram_bg_factory"
# (storage, events isolation) to use instead of building them from REDIS_URL: two apps in
# one process (a test's "bots" and "workers" processes) share one memory storage this way
EXTRA_FSM = "telegram_fsm"


def delivery_setup(bg_factory: Any, bot: Bot, locale: str) -> Callable[[Any], None]:
    def setup(delivery: Any) -> None:
        sender = delivery.senders.get(str(Channel.TELEGRAM))
        if sender is None:
            return
        sender.on_sent(CUSTOMER_TEXT, thread_refresher(bg_factory, bot))
        setup_agent_chat_delivery(sender, locale)

    return setup


def _fsm(resources: Any) -> tuple[Any, Any, bool]:
    """(storage, isolation, whether this process owns and closes them)."""
    shared = resources.extras.get(EXTRA_FSM)
    if shared is not None:
        return shared[0], shared[1], False
    storage, isolation = create_storage(resources.redis)
    return storage, isolation, True


class TelegramRuntime(BotRuntime):
    platform, webhook_path, webhook_key = "telegram", WEBHOOK_PATH, WEBHOOK_HANDLER
    dispatcher_extra = EXTRA_DISPATCHER

    @contextlib.asynccontextmanager
    async def deliver_only(
        self, app: web.Application, resources: Any, dp: Dispatcher, bot: Bot
    ) -> AsyncIterator[None]:
        """Workers only: the dispatcher starts (the dialog registry) but takes no updates."""
        if resources.redis is None and EXTRA_FSM not in resources.extras:
            log.warning(
                "workers without REDIS_URL: dialogs live in the bots process's memory, so a "
                "thread window re-sent from here is not the one that process knows"
            )
        await dp.emit_startup(bot=bot)
        try:
            yield
        finally:
            await dp.emit_shutdown(bot=bot)

    @contextlib.asynccontextmanager
    async def build(self, resources: Any) -> AsyncIterator[tuple[Dispatcher, Bot, Any]]:
        """The bot, its FSM storage and dispatcher with the dialogs (their background
        manager factory in the extras); the storage (when this process made it) and then
        the bot's session close last."""
        settings = resources.settings
        bot = create_bot(settings)
        storage, isolation, owned = _fsm(resources)
        dp, bg_factory = create_dispatcher(settings, storage, isolation)
        resources.extras[EXTRA_BG_FACTORY] = bg_factory
        try:
            yield dp, bot, delivery_setup(bg_factory, bot, settings.default_locale)
        finally:
            if owned:
                await storage.close()
            await bot.session.close()

    def observe(self, dp: Dispatcher, metrics: Any) -> None:
        observe_updates(dp, metrics, "telegram")  # count + update_id

    async def start(self, dp: Dispatcher, bot: Bot) -> None:
        await dp.emit_startup(bot=bot)

    async def stop(self, dp: Dispatcher, bot: Bot) -> None:
        await dp.emit_shutdown(bot=bot)

    def webhook(
        self, dp: Dispatcher, bot: Bot, resources: Any, secret: str | None
    ) -> TelegramWebhook:
        return TelegramWebhook(dp, bot, seen_updates(resources.redis, bot.id), secret)

    async def subscribe(self, dp: Dispatcher, bot: Bot, url: str, secret: str | None) -> None:
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=dp.resolve_used_update_types()
        )

    async def poll(self, dp: Dispatcher, bot: Bot, resources: Any) -> None:
        await bot.delete_webhook(drop_pending_updates=False)
        feed = dp.feed_update
        seen = seen_updates(resources.redis, bot.id)

        async def feed_once(bot: Bot, update: Update, **kwargs: Any) -> Any:
            """getUpdates returns an update again when its offset was not confirmed (a
            restart right after it): handled once; a retryable failure is retried."""
            result: Any = UNHANDLED

            async def handle() -> None:
                nonlocal result
                result = await feed(bot, update, **kwargs)

            try:
                if not await handle_once(seen, update.update_id, handle, RETRY_DELAYS):
                    log.info("duplicate telegram update %s ignored", update.update_id)
            except Exception as exc:
                if not is_retryable(exc):
                    raise  # aiogram logs it, with its traceback, as any handler's bug
                log.error(
                    "telegram update %s dropped after %d attempts: %s: %s",
                    update.update_id, len(RETRY_DELAYS) + 1, type(exc).__name__, exc,
                )
            return result

        # aiogram's polling loop feeds each update through this method
        dp.feed_update = feed_once  # type: ignore[method-assign]
        try:
            await dp.start_polling(bot, handle_signals=False, close_bot_session=False)
        finally:
            dp.feed_update = feed  # type: ignore[method-assign]


def setup_telegram(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    setup_bot(app, resources_key, TelegramRuntime())


def setup_telegram_delivery(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """A workers-only process: the bot's dispatcher and dialog registry, taking no updates.

    The Telegram sender's hooks need them: after an agent's answer is delivered, the
    customer's thread window is sent again below it through aiogram-dialog's background
    manager, which reads and writes the dialog stack in the FSM storage that the bots
    processes use (Redis), so the bots process handles the next click on that window as if
    it had sent it. The agent-group kinds (topics, cards) are registered here too. Add it
    before the workers' context: it hands them the bot.
    """
    setup_delivery(app, resources_key, TelegramRuntime())
