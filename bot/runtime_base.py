"""A messenger bot's life inside the aiohttp app, the same for Telegram and MAX.

Two roles mount a bot: the bots role takes updates (by webhook when `<platform>_WEBHOOK_URL`
is set, else by polling), a workers-only process builds the bot and its dispatcher for the
delivery hooks and takes none. Either way a bot without a token is not started, and on stop
the updates stop first, then what the bot built closes (its session last). A `BotRuntime`
subclass says how its messenger builds, starts and stops; this module runs both the same way.

An update is never dropped on a retryable error (`is_retryable`: the database locked or
unreachable, Redis not answering): in webhook mode the messenger gets a 503 and redelivers,
in polling mode the handler runs again a few times (`handle_once`). Both intake modes skip
an update already handled (services/seen_updates.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from typing import Any, ClassVar

from aiohttp import web

from services.outages import is_retryable
from services.requests import BotLinks
from services.seen_updates import SeenUpdates

log = logging.getLogger(__name__)

BotCtx = Callable[[web.Application], AbstractAsyncContextManager[None]]
# what runs inside a built bot's context: (app, resources, dispatcher, bot)
Run = Callable[[web.Application, Any, Any, Any], AbstractAsyncContextManager[None]]

# polling: a retryable failure is tried again after each of these pauses, then given up
RETRY_DELAYS = (0.25, 1.0, 3.0)
# a polling loop that could not start (the messenger unreachable) tries again this often
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
GETME_START_SECONDS = 2.0  # getMe at start; it is tried again in the background after that


# the retryable failure an SDK swallowed while handling the current update (maxapi's
# dispatcher catches every error itself): set by `reporting_failures`, filled by
# `note_retryable`
_swallowed: ContextVar[list[BaseException] | None] = ContextVar("swallowed", default=None)


def note_retryable(error: BaseException) -> bool:
    """For an SDK's error path: True when `error` is retryable — then it is remembered so
    that the update is handled again (or answered 503) instead of counted as done."""
    if not is_retryable(error):
        return False
    swallowed = _swallowed.get()
    if swallowed is not None:
        swallowed.append(error)
    return True


async def reporting_failures(handle: Callable[[], Awaitable[Any]]) -> Any:
    """Runs `handle`, raising the retryable error it swallowed (see `note_retryable`)."""
    swallowed: list[BaseException] = []
    token = _swallowed.set(swallowed)
    try:
        result = await handle()
    finally:
        _swallowed.reset(token)
    if swallowed:
        raise swallowed[0]
    return result


async def handle_once(
    seen: SeenUpdates | None,
    key: str | int | None,
    handle: Callable[[], Awaitable[Any]],
    delays: Sequence[float] = (),
) -> bool:
    """Handles an update unless it was handled already (then False). A retryable failure
    is tried again after each of `delays`; the last failure is raised with the update
    released from `seen`, so that a redelivery gets through."""
    for delay in (*delays, None):
        claimed = False
        try:
            if seen is not None and key is not None:
                if not await seen.claim(key):
                    return False
                claimed = True
            await handle()
            return True
        except Exception as error:
            if claimed and seen is not None and key is not None:
                with contextlib.suppress(Exception):  # Redis may be what failed
                    await seen.release(key)
            if delay is None or not is_retryable(error):
                raise
            log.debug("update %s failed (%s); trying again in %.2f s", key, error, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # the last round returns or raises


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
    async def poll(self, dp: Any, bot: Any, resources: Any) -> None:
        """Polls for updates until the dispatcher is stopped, each handled once (`handle_once`
        with `RETRY_DELAYS`)."""

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
        stopping = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        url = self.setting(settings, "webhook_url")
        # polling starts with no call to the messenger: a stop signalled during start leaves
        # aiohttp's cleanup contexts unclosed (tracebacks at exit), so the shorter the better
        if not url or not await self._learn_username(bot, resources):
            learn = self._learn_username_later(bot, resources, stopping, first=not url)
            tasks.append(asyncio.create_task(learn, name=f"{self.platform}-getme"))
        polling: asyncio.Task[None] | None = None
        try:
            if url:
                configured = self.setting(settings, "webhook_secret")
                secret = configured.get_secret_value() if configured else None
                await self.start(dp, bot)
                app[self.webhook_key] = self.webhook(dp, bot, resources, secret)
                await self.subscribe(dp, bot, url, secret)
            else:
                keep = self._keep_polling(dp, bot, resources, stopping)
                polling = asyncio.create_task(keep, name=f"{self.platform}-polling")
            yield
        finally:
            stopping.set()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if polling is not None:
                await self._stop_polling(dp, polling)
            else:
                await self.stop(dp, bot)
            app.pop(self.webhook_key, None)

    async def _learn_username(self, bot: Any, resources: Any) -> bool:
        """Deep links need the bot's username: the messenger knows it (getMe), the setting
        is what is used until then. False (said in the log) when getMe failed; it is not
        waited for longer than `GETME_START_SECONDS`, so that start (and a stop signalled
        during it) is not held by an SDK's own retries."""
        try:
            await asyncio.wait_for(self._get_me(bot, resources), GETME_START_SECONDS)
            return True
        except Exception as exc:  # the messenger unreachable at start
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # stopped while starting: an SDK turned the cancellation into its own error
                raise asyncio.CancelledError from exc
            setting = f"{self.platform.upper()}_BOT_USERNAME"
            configured = self.setting(resources.settings, "bot_username")
            reason = _one_line(exc) if str(exc) else f"no answer in {GETME_START_SECONDS:.0f} s"
            if configured:
                log.warning(
                    "%s getMe failed (%s); deep links use %s=%s",
                    self.platform, reason, setting, configured,
                )
            else:
                log.warning(
                    "%s getMe failed (%s); deep links are unavailable until it succeeds "
                    "(set %s to have them at once)",
                    self.platform, reason, setting,
                )
            return False

    async def _get_me(self, bot: Any, resources: Any) -> None:
        me = await bot.get_me()
        username = me.username or self.setting(resources.settings, "bot_username")
        links = {"telegram": resources.links.telegram, "max": resources.links.max}
        resources.links = BotLinks(**{**links, self.platform: username})

    async def _learn_username_later(
        self, bot: Any, resources: Any, stopping: asyncio.Event, first: bool
    ) -> None:
        if first and await self._learn_username(bot, resources):
            return
        for delay in _delays(RESTART_DELAYS):
            if await _stopped_within(stopping, delay):
                return
            try:
                await self._get_me(bot, resources)
            except Exception:
                continue
            log.info("%s getMe succeeded: deep links are available", self.platform)
            return

    async def _keep_polling(
        self, dp: Any, bot: Any, resources: Any, stopping: asyncio.Event
    ) -> None:
        """Polls; a start that fails (the messenger unreachable) is tried again until the
        bot stops, said once in the log instead of a traceback at stop."""
        failed = False
        for delay in _delays(RESTART_DELAYS):
            try:
                await self.poll(dp, bot, resources)
                return
            except Exception as exc:
                if stopping.is_set():
                    return
                level = logging.DEBUG if failed else logging.WARNING
                log.log(
                    level,
                    "%s polling could not start (%s); trying again every %.0f s at most",
                    self.platform, _one_line(exc), RESTART_DELAYS[-1],
                )
                failed = True
            if await _stopped_within(stopping, delay):
                return

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


def _one_line(error: BaseException) -> str:
    """What failed, in one line: the network error an SDK wrapped (maxapi's own text is
    Russian) rather than the wrapper."""
    cause = error.__cause__ or error
    return f"{type(cause).__name__}: {cause}".replace("\n", " ")[:300]


def _delays(delays: Sequence[float]) -> Iterator[float]:
    """The delays, then the last one forever."""
    yield from delays
    while True:
        yield delays[-1]


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
    return stopping.is_set()


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
