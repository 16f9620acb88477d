"""Shared resources of one process, opened and closed in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from tortoise import Tortoise

from helpdesk.db import close_database, open_database
from helpdesk.settings import Settings
from services import notifications
from services.requests import BotLinks

if TYPE_CHECKING:  # the SDKs are imported only by a process that runs their bot
    import aiogram
    import maxapi

    from helpdesk.workers import Delivery

log = logging.getLogger(__name__)
REDIS_WATCH_SECONDS = 1.0  # how often a process checks that Redis answers

@dataclass
class Bots:
    """The bots this process runs or sends for, filled by their cleanup contexts (which the
    composition root adds before the workers' context); None: no token, no bot."""

    telegram: aiogram.Bot | None = None
    max: maxapi.Bot | None = None
    # each bot's delivery hooks (thread re-render, agent-group kinds), run on the senders
    delivery_setup: list[Callable[[Delivery], None]] = field(default_factory=list)


@dataclass
class Resources:
    settings: Settings
    redis: Redis | None = None
    links: BotLinks = field(default_factory=BotLinks)
    bots: Bots = field(default_factory=Bots)
    # filled by the bot factories: dispatchers, the dialog background factory, the FSM, ...
    extras: dict[str, Any] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Database and Redis for this process; a database already opened by the caller is kept."""
    owns_database = not Tortoise._inited
    if owns_database:
        await open_database(settings.database_url)
    notifications.default_locale = settings.default_locale
    redis = connect_redis(settings)
    resources = Resources(
        settings=settings,
        redis=redis,
        links=BotLinks(telegram=settings.telegram_bot_username, max=settings.max_bot_username),
    )
    watch = (
        asyncio.create_task(RedisWatch(redis).run(), name="redis-watch") if redis else None
    )
    try:
        yield resources
    finally:
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        if redis is not None:
            await redis.aclose()
        if owns_database:
            await close_database()


async def database_reachable() -> bool:
    try:
        conn = Tortoise.get_connection("default")
        await conn.execute_query("SELECT 1")
        return True
    except Exception:
        return False


def connect_redis(settings: Settings) -> Redis | None:
    """The process's Redis client (None without REDIS_URL). Every command gives up after
    REDIS_TIMEOUT_SECONDS, connecting or waiting for the answer: a stopped Redis (SIGSTOP,
    a dead host) otherwise held each request until the kernel's TCP timeout."""
    if not settings.redis_url:
        return None
    timeout = settings.redis_timeout_seconds
    return Redis.from_url(
        settings.redis_url, socket_connect_timeout=timeout, socket_timeout=timeout
    )


async def redis_reachable(redis: Redis | None) -> bool | str:
    """/readyz's Redis check: "not configured" without REDIS_URL (still ready)."""
    if redis is None:
        return "not configured"
    try:
        return bool(await redis.ping())  # type: ignore[misc]
    except Exception:
        return False


class RedisWatch:
    """Says once in the log that Redis stopped answering, and once that it is back (each
    failed command also says it, at DEBUG: the rate limits' fail-open, the bots' retries)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        kwargs = redis.connection_pool.connection_kwargs
        self.where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        self.down_since: float | None = None

    async def run(self, interval: float = REDIS_WATCH_SECONDS) -> None:
        while True:
            await self.check()
            await asyncio.sleep(interval)

    async def check(self) -> None:
        try:
            await self.redis.ping()  # type: ignore[misc]
        except Exception as error:
            if self.down_since is None:
                self.down_since = time.monotonic()
                log.error(
                    "Redis at %s is unreachable (%s: %s); API rate limits let requests "
                    "through, bot updates are left for redelivery, /readyz answers 503",
                    self.where, type(error).__name__, error,
                )
            return
        if self.down_since is not None:
            log.warning(
                "Redis at %s is reachable again after %.1f s",
                self.where, time.monotonic() - self.down_since,
            )
            self.down_since = None
