"""Webhook mode: updates handled before the 200 (a failure is redelivered), duplicates dropped."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis

from helpdesk.metrics import count_update

log = logging.getLogger(__name__)
SEEN_TTL_SECONDS = 24 * 3600  # Telegram gives up redelivering long before this


class SeenUpdates:
    """update_ids already handled: in Redis (shared by every process) or in memory."""

    def __init__(self, redis: Redis | None, bot_id: int, capacity: int = 50_000) -> None:
        self.redis = redis
        self.prefix = f"hd:tg:update:{bot_id}:"
        self.capacity = capacity
        self._memory: OrderedDict[int, None] = OrderedDict()

    async def claim(self, update_id: int) -> bool:
        """True for the first delivery of this update_id (it is now ours to handle)."""
        if self.redis is not None:
            return bool(
                await self.redis.set(self.prefix + str(update_id), 1, nx=True, ex=SEEN_TTL_SECONDS)
            )
        if update_id in self._memory:
            return False
        self._memory[update_id] = None
        if len(self._memory) > self.capacity:
            self._memory.popitem(last=False)
        return True

    async def release(self, update_id: int) -> None:
        """Handling failed: let Telegram's redelivery through."""
        if self.redis is not None:
            await self.redis.delete(self.prefix + str(update_id))
        else:
            self._memory.pop(update_id, None)


class TelegramWebhook(SimpleRequestHandler):
    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, seen: SeenUpdates, secret_token: str | None
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.seen = seen

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        raw: dict[str, Any] = await request.json(loads=bot.session.json_loads)
        update_id = raw.get("update_id")
        if isinstance(update_id, int) and not await self.seen.claim(update_id):
            log.info("duplicate telegram update %s ignored", update_id)
            count_update(request.app, "telegram", "duplicate")
            return web.json_response({})
        try:
            result: Any = await self.dispatcher.feed_webhook_update(bot, raw, **self.data)
        except Exception:
            if isinstance(update_id, int):
                await self.seen.release(update_id)
            raise  # a 500 makes Telegram deliver the update again
        return web.Response(body=self._build_response_writer(bot=bot, result=result))
