"""Shared resources of one process, opened and closed in one place."""

from __future__ import annotations

import contextlib
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
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    resources = Resources(
        settings=settings,
        redis=redis,
        links=BotLinks(telegram=settings.telegram_bot_username, max=settings.max_bot_username),
    )
    try:
        yield resources
    finally:
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


async def redis_reachable(redis: Redis | None) -> bool:
    if redis is None:
        return True
    try:
        return bool(await redis.ping())  # type: ignore[misc]
    except Exception:
        return False
