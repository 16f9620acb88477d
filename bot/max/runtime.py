"""The MAX bot's life inside the aiohttp app: start, webhook or long polling, clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from hmac import compare_digest
from typing import Any

from aiohttp import web
from maxapi import Bot, Dispatcher
from maxapi.methods.types.getted_updates import process_update_webhook

from bot.max.delivery import delivery_setup
from bot.max.factory import create_bot, create_dispatcher
from bot.max.seen import SeenMaxUpdates, update_identity
from helpdesk.metrics import count_update, observe_max_updates
from services.requests import BotLinks

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/bot/max/webhook"
SECRET_HEADER = "X-Max-Bot-Api-Secret"

# keys in Resources.extras
EXTRA_DISPATCHER = "max_dispatcher"


class MaxWebhook:
    """Checks the secret MAX sends with every update, then hands the update to the
    dispatcher and answers after it was handled (a crash is not acknowledged as done)."""

    def __init__(
        self, dp: Dispatcher, bot: Bot, secret: str | None, seen: SeenMaxUpdates | None = None
    ) -> None:
        self.dp = dp
        self.bot = bot
        self.secret = secret
        self.seen = seen or SeenMaxUpdates(None)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.secret is not None:
            incoming = request.headers.get(SECRET_HEADER)
            if incoming is None or not compare_digest(incoming, self.secret):
                return web.json_response({"ok": False}, status=403)
        try:
            update = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"ok": False}, status=400)
        if not isinstance(update, dict):
            return web.json_response({"ok": False}, status=400)
        key = update_identity(update)
        if not await self.seen.claim(key):  # MAX sent it again: it was (or is being) handled
            log.info("duplicate MAX update %s ignored", update.get("update_type"))
            count_update(request.app, "max", "duplicate")
            return web.json_response({"ok": True})
        try:
            event = await process_update_webhook(event_json=update, bot=self.bot)
            if event is None:  # an update kind maxapi does not know: acknowledged, ignored
                log.info("unprocessable MAX update: %s", str(update)[:200])
            else:
                await self.dp.handle(event)
        except BaseException:
            await self.seen.release(key)  # not handled: MAX's redelivery must get through
            raise
        return web.json_response({"ok": True})


WEBHOOK_HANDLER = web.AppKey("max_webhook", MaxWebhook)


async def webhook_view(request: web.Request) -> web.StreamResponse:
    """Mounted always (routes freeze before startup); answers only in webhook mode."""
    handler = request.app.get(WEBHOOK_HANDLER)
    if handler is None:
        raise web.HTTPNotFound()
    return await handler.handle(request)


# what a bot's cleanup context runs once the bot is built: (app, resources, dispatcher, bot)
# -> a context that takes updates or not and, on exit, stops the dispatcher it started
_Run = Callable[
    [web.Application, Any, Dispatcher, Bot], contextlib.AbstractAsyncContextManager[None]
]


def setup_max(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    app.router.add_post(WEBHOOK_PATH, webhook_view)
    app.cleanup_ctx.append(_bot_ctx(resources_key, _take_updates))


def setup_max_delivery(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """A workers-only process: the MAX dispatcher, taking no updates, so that after an
    agent's answer the customer's screen is shown again below it, read from and saved to
    the FSM storage the bots processes use (Redis). Add it before the workers' context."""
    app.cleanup_ctx.append(_bot_ctx(resources_key, _deliver_only))


def _bot_ctx(
    resources_key: web.AppKey[Any], run: _Run
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """What both roles share: the bot and its dispatcher, put in the extras with the
    delivery hooks; `run` goes inside. The bot's session closes after `run` has stopped."""

    @contextlib.asynccontextmanager
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        resources = app[resources_key]
        settings = resources.settings
        if settings.max_bot_token is None:  # a bot without a token is simply not started
            yield
            return
        bot = create_bot(settings)
        dp = create_dispatcher(settings, resources.redis)
        resources.bots.max = bot  # the MAX sender sends with it
        resources.extras[EXTRA_DISPATCHER] = dp
        resources.bots.delivery_setup.append(
            delivery_setup(dp, bot, settings.default_locale)
        )
        try:
            async with run(app, resources, dp, bot):
                yield
        finally:
            await bot.close_session()

    return ctx


@contextlib.asynccontextmanager
async def _deliver_only(
    app: web.Application, resources: Any, dp: Dispatcher, bot: Bot
) -> AsyncIterator[None]:
    """Workers only: the delivery hooks need the dispatcher built, not started."""
    yield


@contextlib.asynccontextmanager
async def _take_updates(
    app: web.Application, resources: Any, dp: Dispatcher, bot: Bot
) -> AsyncIterator[None]:
    """The bots role: updates by webhook when MAX_WEBHOOK_URL is set, else by long polling."""
    settings = resources.settings
    observe_max_updates(dp, resources.extras.get("metrics"))
    username = await _username(bot, settings.max_bot_username)
    resources.links = BotLinks(telegram=resources.links.telegram, max=username)
    polling: asyncio.Task[None] | None = None
    try:
        if settings.max_webhook_url:
            await _start_webhook(app, dp, bot, settings, SeenMaxUpdates(resources.redis))
        else:
            polling = asyncio.create_task(dp.start_polling(bot), name="max-polling")
        yield
    finally:
        if polling is not None:
            await _stop_polling(dp, polling)
        else:
            await dp.shutdown()
        app.pop(WEBHOOK_HANDLER, None)


async def _username(bot: Bot, configured: str | None) -> str | None:
    """Deep links need the bot's username; GET /me knows it, the setting is a fallback."""
    try:
        me = await bot.get_me()
    except Exception as exc:  # network down at start: links fall back to the setting
        log.warning("MAX GET /me failed (%s); using MAX_BOT_USERNAME", exc)
        return configured
    return me.username or configured


async def _start_webhook(
    app: web.Application, dp: Dispatcher, bot: Bot, settings: Any, seen: SeenMaxUpdates
) -> None:
    secret = settings.max_webhook_secret.get_secret_value() if settings.max_webhook_secret else None
    await dp.startup(bot)
    app[WEBHOOK_HANDLER] = MaxWebhook(dp, bot, secret, seen)
    await bot.subscribe_webhook(url=settings.max_webhook_url, secret=secret)


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
        log.exception("MAX polling stopped with an error")
