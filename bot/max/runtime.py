"""The MAX bot's life inside the aiohttp app (the skeleton is bot/runtime_base.py): its Bot
and dispatcher, webhook (secret checked, redeliveries dropped) or long polling."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from hmac import compare_digest
from typing import Any

from aiohttp import web
from maxapi import Bot, Dispatcher
from maxapi.methods.types.getted_updates import process_update_webhook

from bot.max.delivery import delivery_setup
from bot.max.factory import create_bot, create_dispatcher
from bot.max.seen import seen_max_updates, update_identity
from bot.runtime_base import BotRuntime, setup_bot, setup_delivery
from helpdesk.metrics import count_update, observe_max_updates
from services.seen_updates import SeenUpdates

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/bot/max/webhook"
SECRET_HEADER = "X-Max-Bot-Api-Secret"

# keys in Resources.extras
EXTRA_DISPATCHER = "max_dispatcher"


class MaxWebhook:
    """Checks the secret MAX sends with every update, then hands the update to the
    dispatcher and answers after it was handled (a crash is not acknowledged as done)."""

    def __init__(
        self, dp: Dispatcher, bot: Bot, secret: str | None, seen: SeenUpdates | None = None
    ) -> None:
        self.dp = dp
        self.bot = bot
        self.secret = secret
        self.seen = seen or seen_max_updates(None)

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


class MaxRuntime(BotRuntime):
    platform, webhook_path, webhook_key = "max", WEBHOOK_PATH, WEBHOOK_HANDLER
    dispatcher_extra = EXTRA_DISPATCHER

    @contextlib.asynccontextmanager
    async def build(self, resources: Any) -> AsyncIterator[tuple[Dispatcher, Bot, Any]]:
        """The bot and its dispatcher; the bot's session closes last."""
        bot = create_bot(resources.settings)
        dp = create_dispatcher(resources.settings, resources.redis)
        try:
            yield dp, bot, delivery_setup(dp, bot, resources.settings.default_locale)
        finally:
            await bot.close_session()

    def observe(self, dp: Dispatcher, metrics: Any) -> None:
        observe_max_updates(dp, metrics)

    async def start(self, dp: Dispatcher, bot: Bot) -> None:
        await dp.startup(bot)

    async def stop(self, dp: Dispatcher, bot: Bot) -> None:
        await dp.shutdown()

    def webhook(self, dp: Dispatcher, bot: Bot, resources: Any, secret: str | None) -> MaxWebhook:
        return MaxWebhook(dp, bot, secret, seen_max_updates(resources.redis))

    async def subscribe(self, dp: Dispatcher, bot: Bot, url: str, secret: str | None) -> None:
        await bot.subscribe_webhook(url=url, secret=secret)

    async def poll(self, dp: Dispatcher, bot: Bot) -> None:
        await dp.start_polling(bot)


def setup_max(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    setup_bot(app, resources_key, MaxRuntime())


def setup_max_delivery(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """A workers-only process: the MAX dispatcher, taking no updates, so that after an
    agent's answer the customer's screen is shown again below it, read from and saved to
    the FSM storage the bots processes use (Redis). Add it before the workers' context."""
    setup_delivery(app, resources_key, MaxRuntime())
