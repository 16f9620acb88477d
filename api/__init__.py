"""The REST facade (/v1/helpdesk) over the shared use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from api import malformed_http
from api.context import API_STATE, ApiState
from api.docs import setup_docs
from api.errors import DATABASE_OUTAGE, error_middleware
from api.middlewares import auth_middleware, idempotency_middleware, rate_limit_middleware
from api.routes import OPERATIONS
from services.outages import Outage
from services.ratelimit import RateLimiter


def setup_api(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """Mount the REST API on the process app (routes, middlewares)."""
    malformed_http.install()  # what aiohttp refuses before any middleware answers JSON too
    state = ApiState(resources_key=resources_key)
    app[API_STATE] = state
    app[DATABASE_OUTAGE] = Outage("database")
    for op in OPERATIONS:
        app.router.add_route(op.method, op.full_path, op.handler, name=op.name)
        state.operations[op.name] = op
    setup_docs(app)
    # outermost first: every failure below becomes the JSON envelope
    app.middlewares.extend(
        [error_middleware, auth_middleware, rate_limit_middleware, idempotency_middleware]
    )

    async def limiter_ctx(app: web.Application) -> AsyncIterator[None]:
        # runs after the composition root's resources context, so Redis is open by now
        state.limiter = RateLimiter.for_redis(app[resources_key].redis)
        yield

    app.cleanup_ctx.append(limiter_ctx)
