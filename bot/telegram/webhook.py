"""Webhook mode: updates handled before the 200 (a failure is redelivered: a retryable one is
answered 503, any other 500), duplicates dropped."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.runtime_base import handle_once
from helpdesk.metrics import count_update
from services.outages import is_retryable
from services.seen_updates import SeenUpdates

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


def seen_updates(redis: Redis | None, bot_id: int) -> SeenUpdates:
    """The store of this bot's update_ids handled (Redis keys `hd:tg:update:<bot>:<id>`)."""
    return SeenUpdates(redis, f"hd:tg:update:{bot_id}:")


class TelegramWebhook(SimpleRequestHandler):
    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, seen: SeenUpdates, secret_token: str | None
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.seen = seen

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        raw: dict[str, Any] = await request.json(loads=bot.session.json_loads)
        update_id = raw.get("update_id")
        result: Any = None

        async def handle() -> None:
            nonlocal result
            result = await self.dispatcher.feed_webhook_update(bot, raw, **self.data)

        key = update_id if isinstance(update_id, int) else None
        try:
            if not await handle_once(self.seen, key, handle):
                log.info("duplicate telegram update %s ignored", update_id)
                count_update(request.app, "telegram", "duplicate")
                return web.json_response({})
        except Exception as exc:
            if not is_retryable(exc):
                raise  # a 500 makes Telegram deliver the update again
            log.warning(
                "telegram update %s not handled (%s: %s); answered 503 for redelivery",
                update_id, type(exc).__name__, exc,
            )
            return web.json_response({}, status=503, headers={"Retry-After": "1"})
        return web.Response(body=self._build_response_writer(bot=bot, result=result))
