"""The aiohttp application factory: health endpoints, the REST API, bot webhooks, workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Literal

from aiohttp import web

from helpdesk.metrics import (
    METRICS,
    Metrics,
    create_metrics,
    log_context_middleware,
    setup_metrics,
)
from helpdesk.runtime import Resources, database_reachable, open_resources, redis_reachable
from helpdesk.settings import Settings

Role = Literal["all", "api", "bots", "workers"]
RESOURCES = web.AppKey("resources", Resources)
EXTRA_METRICS = "metrics"  # in Resources.extras, for the bots (helpdesk.metrics.observe_updates)
# SIGTERM → exit within 10 s: workers get this long from the stop signal to finish their
# batch, then the rest is cancelled and its claimed rows are given back
WORKERS_GRACE_SECONDS = 6.0
log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    resources = request.app[RESOURCES]
    checks = {
        "database": await database_reachable(),
        "redis": await redis_reachable(resources.redis),
    }
    ready = all(value is not False for value in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def create_app(
    settings: Settings, role: Role = "all", metrics: Metrics | None = None
) -> web.Application:
    """Build the process for a role; resources open on startup and close on cleanup."""
    from api import setup_api  # front ends are imported only when the app is built

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    setup_metrics(app, metrics or create_metrics())

    async def resources_ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            resources.extras[EXTRA_METRICS] = app[METRICS]
            app[RESOURCES] = resources
            yield

    app.cleanup_ctx.append(resources_ctx)
    if role in ("all", "api"):
        from api.errors import error_middleware

        setup_api(app, RESOURCES)
        from console import setup_console

        setup_console(app, RESOURCES)
        # right inside the error middleware, which assigns the request id
        app.middlewares.insert(app.middlewares.index(error_middleware) + 1, log_context_middleware)
    # a bot's SDK is imported only when its token is set (aiogram alone holds ~130 MB);
    # without one its webhook route is simply not mounted (404 either way)
    telegram = settings.telegram_bot_token is not None
    max_bot = settings.max_bot_token is not None
    if role in ("all", "bots"):
        if telegram:
            from bot.telegram.runtime import setup_telegram

            setup_telegram(app, RESOURCES)
        if max_bot:
            from bot.max.runtime import setup_max

            setup_max(app, RESOURCES)
    if role == "workers":
        # the bots run elsewhere: their delivery hooks (thread re-render, agent-group kinds)
        # still need each bot's dispatcher here, built without taking updates
        if telegram:
            from bot.telegram.runtime import setup_telegram_delivery

            setup_telegram_delivery(app, RESOURCES)
        if max_bot:
            from bot.max.runtime import setup_max_delivery

            setup_max_delivery(app, RESOURCES)
    if role in ("all", "workers"):
        # last: the bots' contexts above fill `Resources.bots` before the workers start
        stop = WorkersStop()
        app[WORKERS_STOP] = stop
        # on_shutdown runs before the HTTP server drains: the workers stop claiming meanwhile
        app.on_shutdown.append(stop.signal)
        app.cleanup_ctx.append(_workers_ctx)
    return app


class WorkersStop:
    """Tells the workers to stop taking work; remembers when, for the grace deadline."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.deadline = 0.0

    async def signal(self, app: web.Application) -> None:
        if not self.event.is_set():
            self.deadline = time.monotonic() + WORKERS_GRACE_SECONDS
            self.event.set()


WORKERS_STOP = web.AppKey("workers_stop", WorkersStop)


async def _workers_ctx(app: web.Application) -> AsyncIterator[None]:
    from helpdesk.workers import create_delivery, create_workers
    from services.delivery_queue import release_held

    resources = app[RESOURCES]
    settings = resources.settings
    delivery = create_delivery(
        settings,
        redis=resources.redis,
        telegram_bot=resources.bots.telegram,
        max_bot=resources.bots.max,
        setup=resources.bots.delivery_setup,
        metrics=app[METRICS],
    )
    workers = create_workers(settings, delivery)
    stop = app[WORKERS_STOP]
    tasks = [asyncio.create_task(w.run(stop.event), name=f"worker:{w.name}") for w in workers]
    try:
        yield
    finally:
        await stop.signal(app)
        left = max(0.5, stop.deadline - time.monotonic())
        _, pending = await asyncio.wait(tasks, timeout=left) if tasks else (set(), set())
        for task in pending:
            log.warning("%s did not finish in time; cancelling it", task.get_name())
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        released = await release_held()
        if released:
            log.info("gave %d claimed outbox rows back", released)
