"""A messenger bot's life inside the aiohttp app, the same for Telegram and MAX.

Two roles mount a bot: the bots role takes updates (by webhook when `<platform>_WEBHOOK_URL`
is set, else by polling), a workers-only process builds the bot and its dispatcher for the
delivery hooks and takes none. Either way a bot without a token is not started, and on stop
the updates stop first, then what the bot built closes (its session last). A `BotRuntime`
subclass says how its messenger builds, starts and stops; this module runs both the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

from aiohttp import web

from services.requests import BotLinks

log = logging.getLogger(__name__)

BotCtx = Callable[[web.Application], AbstractAsyncContextManager[None]]
# what runs inside a built bot's context: (app, resources, dispatcher, bot)
Run = Callable[[web.Application, Any, Any, Any], AbstractAsyncContextManager[None]]


class BotRuntime(ABC):
    """What differs between the messengers; settings are read as `<platform>_<name>`."""

    platform: ClassVar[str]  # "telegram" or "max"
    webhook_path: ClassVar[str]
    webhook_key: ClassVar[web.AppKey[Any]]  # the webhook handler while in webhook mode
    dispatcher_extra: ClassVar[str]  # the Resources.extras key of the dispatcher

    def setting(self, settings: Any, name: str) -> Any:
        return getattr(settings, f"{self.platform}_{name}")

    @abstractmethod
    def build(self, resources: Any) -> AbstractAsyncContextManager[tuple[Any, Any, Any]]:
        """Builds (dispatcher, bot, its delivery setup); closes what it built on exit."""

    @contextlib.asynccontextmanager
    async def open(self, resources: Any) -> AsyncIterator[tuple[Any, Any]]:
        """The bot and its dispatcher, handed over with the delivery hooks."""
        async with self.build(resources) as (dp, bot, delivery_setup):
            self.hand_over(resources, dp, bot, delivery_setup)
            yield dp, bot

    def hand_over(self, resources: Any, dp: Any, bot: Any, delivery_setup: Any) -> None:
        """Where the rest of the process finds the bot (the messenger's sender sends with
        it), its dispatcher and the hooks it registers on delivery."""
        setattr(resources.bots, self.platform, bot)
        resources.extras[self.dispatcher_extra] = dp
        resources.bots.delivery_setup.append(delivery_setup)

    @abstractmethod
    def observe(self, dp: Any, metrics: Any) -> None:
        """Counts this dispatcher's updates (bots role)."""

    @abstractmethod
    async def start(self, dp: Any, bot: Any) -> None:
        """The dispatcher's startup in webhook mode (polling starts it itself)."""

    @abstractmethod
    async def stop(self, dp: Any, bot: Any) -> None:
        """The dispatcher's shutdown in webhook mode."""

    @abstractmethod
    def webhook(self, dp: Any, bot: Any, resources: Any, secret: str | None) -> Any:
        """The handler `webhook_path` hands updates to."""

    @abstractmethod
    async def subscribe(self, dp: Any, bot: Any, url: str, secret: str | None) -> None:
        """Tells the messenger where to post updates."""

    @abstractmethod
    async def poll(self, dp: Any, bot: Any) -> None:
        """Polls for updates until the dispatcher is stopped."""

    @contextlib.asynccontextmanager
    async def deliver_only(
        self, app: web.Application, resources: Any, dp: Any, bot: Any
    ) -> AsyncIterator[None]:
        """Workers only: the delivery hooks need the dispatcher built, not taking updates."""
        yield

    @contextlib.asynccontextmanager
    async def take_updates(
        self, app: web.Application, resources: Any, dp: Any, bot: Any
    ) -> AsyncIterator[None]:
        """The bots role: by webhook when its URL is set, else by polling."""
        settings = resources.settings
        self.observe(dp, resources.extras.get("metrics"))
        username = await self._username(bot, self.setting(settings, "bot_username"))
        links = {"telegram": resources.links.telegram, "max": resources.links.max}
        resources.links = BotLinks(**{**links, self.platform: username})
        polling: asyncio.Task[None] | None = None
        try:
            url = self.setting(settings, "webhook_url")
            if url:
                configured = self.setting(settings, "webhook_secret")
                secret = configured.get_secret_value() if configured else None
                await self.start(dp, bot)
                app[self.webhook_key] = self.webhook(dp, bot, resources, secret)
                await self.subscribe(dp, bot, url, secret)
            else:
                polling = asyncio.create_task(self.poll(dp, bot), name=f"{self.platform}-polling")
            yield
        finally:
            if polling is not None:
                await self._stop_polling(dp, polling)
            else:
                await self.stop(dp, bot)
            app.pop(self.webhook_key, None)

    async def _username(self, bot: Any, configured: str | None) -> str | None:
        """Deep links need the bot's username; the messenger knows it, the setting is a
        fallback."""
        try:
            me = await bot.get_me()
        except Exception as exc:  # network down at start: links fall back to the setting
            log.warning(
                "%s getMe failed (%s); using %s_BOT_USERNAME",
                self.platform,
                exc,
                self.platform.upper(),
            )
            return configured
        return me.username or configured

    async def _stop_polling(self, dp: Any, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(RuntimeError):  # not started yet (stopped right after start)
            await dp.stop_polling()
        try:
            await asyncio.wait_for(task, timeout=5)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        except Exception:
            log.exception("%s polling stopped with an error", self.platform)


def setup_bot(app: web.Application, resources_key: web.AppKey[Any], runtime: BotRuntime) -> None:
    """The bots role: the webhook route (mounted always: routes freeze before startup; it
    answers only in webhook mode) and the bot's context."""
    app.router.add_post(runtime.webhook_path, _webhook_view(runtime.webhook_key))
    app.cleanup_ctx.append(_bot_ctx(resources_key, runtime, runtime.take_updates))


def setup_delivery(
    app: web.Application, resources_key: web.AppKey[Any], runtime: BotRuntime
) -> None:
    """A workers-only process: the bot and its dispatcher for the delivery hooks, taking no
    updates. Add it before the workers' context: it hands them the bot."""
    app.cleanup_ctx.append(_bot_ctx(resources_key, runtime, runtime.deliver_only))


def _webhook_view(
    key: web.AppKey[Any],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def view(request: web.Request) -> web.StreamResponse:
        handler = request.app.get(key)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler.handle(request)  # type: ignore[no-any-return]

    return view


def _bot_ctx(resources_key: web.AppKey[Any], runtime: BotRuntime, run: Run) -> BotCtx:
    @contextlib.asynccontextmanager
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        resources = app[resources_key]
        if runtime.setting(resources.settings, "bot_token") is None:  # not started
            yield
            return
        async with runtime.open(resources) as (dp, bot), run(app, resources, dp, bot):
            yield

    return ctx
