"""The Telegram bot's life inside the aiohttp app: start, webhook or polling, clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.telegram.agent_group import setup_agent_chat_delivery
from bot.telegram.factory import create_bot, create_dispatcher, create_storage
from bot.telegram.hooks import thread_refresher
from bot.telegram.webhook import SeenUpdates, TelegramWebhook
from helpdesk.metrics import observe_updates
from models.enums import Channel
from services.notifications import CUSTOMER_TEXT
from services.requests import BotLinks

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


async def webhook_view(request: web.Request) -> web.StreamResponse:
    """Mounted always (routes freeze before startup); answers only in webhook mode."""
    handler = request.app.get(WEBHOOK_HANDLER)
    if handler is None:
        raise web.HTTPNotFound()
    return await handler.handle(request)


# what a bot's cleanup context runs once the bot is built: (app, resources, dispatcher, bot)
# -> a context that starts the dispatcher and, on exit, stops it
_Run = Callable[
    [web.Application, Any, Dispatcher, Bot], contextlib.AbstractAsyncContextManager[None]
]


def setup_telegram(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    app.router.add_post(WEBHOOK_PATH, webhook_view)
    app.cleanup_ctx.append(_bot_ctx(resources_key, _take_updates))


def setup_telegram_delivery(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """A workers-only process: the bot's dispatcher and dialog registry, taking no updates.

    The Telegram sender's hooks need them: after an agent's answer is delivered, the
    customer's thread window is sent again below it through aiogram-dialog's background
    manager, which reads and writes the dialog stack in the FSM storage that the bots
    processes use (Redis), so the bots process handles the next click on that window as if
    it had sent it. The agent-group kinds (topics, cards) are registered here too. Add it
    before the workers' context: it hands them the bot.
    """
    app.cleanup_ctx.append(_bot_ctx(resources_key, _deliver_only))


def _fsm(resources: Any) -> tuple[Any, Any, bool]:
    """(storage, isolation, whether this process owns and closes them)."""
    shared = resources.extras.get(EXTRA_FSM)
    if shared is not None:
        return shared[0], shared[1], False
    storage, isolation = create_storage(resources.redis)
    return storage, isolation, True


def _bot_ctx(
    resources_key: web.AppKey[Any], run: _Run
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """What both roles share: the bot, its FSM storage and dispatcher, put in the extras with
    the delivery hooks; `run` starts the dispatcher inside and stops it. The storage (when
    this process made it) and then the bot's session close after `run` has stopped."""

    @contextlib.asynccontextmanager
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        resources = app[resources_key]
        settings = resources.settings
        if settings.telegram_bot_token is None:  # a bot without a token is simply not started
            yield
            return
        bot = create_bot(settings)
        storage, isolation, owned = _fsm(resources)
        dp, bg_factory = create_dispatcher(settings, storage, isolation)
        resources.bots.telegram = bot  # the Telegram sender sends with it
        resources.extras[EXTRA_DISPATCHER] = dp
        resources.extras[EXTRA_BG_FACTORY] = bg_factory
        resources.bots.delivery_setup.append(
            delivery_setup(bg_factory, bot, settings.default_locale)
        )
        try:
            async with run(app, resources, dp, bot):
                yield
        finally:
            if owned:
                await storage.close()
            await bot.session.close()

    return ctx


@contextlib.asynccontextmanager
async def _deliver_only(
    app: web.Application, resources: Any, dp: Dispatcher, bot: Bot
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
async def _take_updates(
    app: web.Application, resources: Any, dp: Dispatcher, bot: Bot
) -> AsyncIterator[None]:
    """The bots role: updates by webhook when TELEGRAM_WEBHOOK_URL is set, else by polling
    (either one emits the dispatcher's startup and shutdown)."""
    settings = resources.settings
    observe_updates(dp, resources.extras.get("metrics"), "telegram")  # count + update_id
    username = await _username(bot, settings.telegram_bot_username)
    resources.links = BotLinks(telegram=username, max=resources.links.max)
    polling: asyncio.Task[None] | None = None
    try:
        if settings.telegram_webhook_url:
            await _start_webhook(app, dp, bot, resources, settings)
        else:
            polling = asyncio.create_task(_poll(dp, bot), name="telegram-polling")
        yield
    finally:
        if polling is not None:
            await _stop_polling(dp, polling)
        else:
            await dp.emit_shutdown(bot=bot)
        app.pop(WEBHOOK_HANDLER, None)


async def _username(bot: Bot, configured: str | None) -> str | None:
    """Deep links need the bot's username; getMe knows it, the setting is a fallback."""
    try:
        me = await bot.get_me()
    except Exception as exc:  # network down at start: links fall back to the setting
        log.warning("telegram getMe failed (%s); using TELEGRAM_BOT_USERNAME", exc)
        return configured
    return me.username or configured


async def _start_webhook(
    app: web.Application, dp: Dispatcher, bot: Bot, resources: Any, settings: Any
) -> None:
    secret = (
        settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else None
    )
    await dp.emit_startup(bot=bot)
    seen = SeenUpdates(resources.redis, bot.id)
    app[WEBHOOK_HANDLER] = TelegramWebhook(dp, bot, seen, secret)
    await bot.set_webhook(
        settings.telegram_webhook_url,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
    )


async def _poll(dp: Dispatcher, bot: Bot) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, handle_signals=False, close_bot_session=False)


async def _stop_polling(dp: Dispatcher, task: asyncio.Task[None]) -> None:
    with contextlib.suppress(RuntimeError):  # not started yet (stopped right after start)
        await dp.stop_polling()
    try:
        await asyncio.wait_for(task, timeout=5)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    except Exception:
        log.exception("telegram polling stopped with an error")
