"""The aiohttp application factory: health endpoints, the REST API, bot webhooks, workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Literal

from aiohttp import web

from helpdesk.runtime import Resources, database_reachable, open_resources, redis_reachable
from helpdesk.settings import Settings

Role = Literal["all", "api", "bots", "workers"]
RESOURCES = web.AppKey("resources", Resources)
log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    resources = request.app[RESOURCES]
    checks = {
        "database": await database_reachable(),
        "redis": await redis_reachable(resources.redis),
    }
    ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def create_app(settings: Settings, role: Role = "all") -> web.Application:
    """Build the process for a role; resources open on startup and close on cleanup."""
    from api import setup_api  # front ends are imported only when the app is built

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

    async def resources_ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app[RESOURCES] = resources
            yield

    app.cleanup_ctx.append(resources_ctx)
    if role in ("all", "api"):
        setup_api(app, RESOURCES)
    if role in ("all", "bots"):
        from bot import setup_bots

        setup_bots(app, RESOURCES)
    if role in ("all", "workers"):
        app.cleanup_ctx.append(_workers_ctx)
    return app


async def _workers_ctx(app: web.Application) -> AsyncIterator[None]:
    from helpdesk.workers import create_workers

    resources = app[RESOURCES]
    workers = create_workers(
        resources.settings,
        redis=resources.redis,
        telegram_bot=resources.extras.get("telegram_bot"),
        max_bot=resources.extras.get("max_bot"),
        setup=resources.extras.get("delivery_setup", ()),
    )
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop), name=f"worker:{w.name}") for w in workers]
    try:
        yield
    finally:
        stop.set()
        _, pending = await asyncio.wait(tasks, timeout=8) if tasks else (set(), set())
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
