"""The MAX bot's life inside the aiohttp app (the skeleton is bot/runtime_base.py): its Bot
and dispatcher, webhook (secret checked, redeliveries dropped) or long polling."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from hmac import compare_digest
from typing import Any

from aiohttp import web
from maxapi import Bot, Dispatcher
from maxapi.methods.types.getted_updates import process_update_webhook

from bot.max.delivery import delivery_setup
from bot.max.factory import create_bot, create_dispatcher
from bot.max.library_log import quiet_library_log
from bot.max.seen import event_identity, seen_max_updates
from bot.runtime_base import (
    RETRY_DELAYS,
    BotRuntime,
    handle_once,
    is_retryable,
    reporting_failures,
    setup_bot,
    setup_delivery,
)
from helpdesk.metrics import count_update, observe_max_updates
from services.seen_updates import SeenUpdates

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/bot/max/webhook"
SECRET_HEADER = "X-Max-Bot-Api-Secret"

# keys in Resources.extras
EXTRA_DISPATCHER = "max_dispatcher"


class MaxWebhook:
    """Checks the secret MAX sends with every update, then hands the update to the
    dispatcher and answers after it was handled (a crash is not acknowledged as done: a
    retryable failure is answered 503, any other 500, and MAX sends the update again)."""

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
        event = await process_update_webhook(event_json=update, bot=self.bot)
        if event is None:  # an update kind maxapi does not know: acknowledged, ignored
            log.info("unprocessable MAX update: %s", str(update)[:200])
            return web.json_response({"ok": True})

        async def handle() -> None:
            await reporting_failures(lambda: self.dp.handle(event))

        try:
            if not await handle_once(self.seen, event_identity(event), handle):
                log.info("duplicate MAX update %s ignored", update.get("update_type"))
                count_update(request.app, "max", "duplicate")
        except Exception as exc:
            if not is_retryable(exc):
                raise
            log.warning(
                "MAX update %s not handled (%s: %s); answered 503 for redelivery",
                update.get("update_type"), type(exc).__name__, exc,
            )
            return web.json_response({"ok": False}, status=503, headers={"Retry-After": "1"})
        return web.json_response({"ok": True})


def _handled_once(dp: Dispatcher, seen: SeenUpdates) -> Callable[[Any], Awaitable[None]]:
    """Long polling's `dp.handle`: GET /updates may return an update again (a restart
    before its marker moved, MAX itself): handled once; a retryable failure is tried again
    (`RETRY_DELAYS`), then given up with one line."""
    handle = dp.handle

    async def handle_event(event: Any) -> None:
        try:
            if not await handle_once(
                seen,
                event_identity(event),
                lambda: reporting_failures(lambda: handle(event)),
                RETRY_DELAYS,
            ):
                log.info("duplicate MAX update %s ignored", event.update_type)
        except Exception as exc:  # only retryable ones reach here: maxapi swallows the rest
            log.error(
                "MAX update %s dropped after %d attempts: %s: %s",
                event.update_type, len(RETRY_DELAYS) + 1, type(exc).__name__, exc,
            )

    return handle_event


WEBHOOK_HANDLER = web.AppKey("max_webhook", MaxWebhook)


class MaxRuntime(BotRuntime):
    platform, webhook_path, webhook_key = "max", WEBHOOK_PATH, WEBHOOK_HANDLER
    dispatcher_extra = EXTRA_DISPATCHER

    @contextlib.asynccontextmanager
    async def build(self, resources: Any) -> AsyncIterator[tuple[Dispatcher, Bot, Any]]:
        """The bot and its dispatcher; the bot's session closes last."""
        quiet_library_log()
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

    async def poll(self, dp: Dispatcher, bot: Bot, resources: Any) -> None:
        handle = dp.handle
        # maxapi's polling loop hands each update to this method
        dp.handle = _handled_once(dp, seen_max_updates(resources.redis))  # type: ignore[method-assign,assignment]
        try:
            await dp.start_polling(bot)
        finally:
            dp.handle = handle  # type: ignore[method-assign]


def setup_max(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    setup_bot(app, resources_key, MaxRuntime())


def setup_max_delivery(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """A workers-only process: the MAX dispatcher, taking no updates, so that after an
    agent's answer the customer's screen is shown again below it, read from and saved to
    the FSM storage the bots processes use (Redis). Add it before the workers' context."""
    setup_delivery(app, resources_key, MaxRuntime())
