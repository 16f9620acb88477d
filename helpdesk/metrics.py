"""Prometheus metrics of one process, served at `GET /metrics` by every role.

A registry per app (built in `create_metrics`, never at import time), so tests can build apps
repeatedly. Counters move where the work happens: an HTTP middleware (labelled by the route's
canonical path, never the raw URL), an aiogram update middleware, the delivery workers and a
wrapper around the send rate limiter. Database gauges (outbox backlog, tickets by status) are
queried when scraped, at most once per `ttl` seconds, so scrapes stay cheap.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from delivery.limits import Limit, RateLimiter
from helpdesk.logging_setup import request_id_var, ticket_id_var, update_id_var
from services import monitoring

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNMATCHED = "<unmatched>"
log = logging.getLogger(__name__)
DB_TTL_SECONDS = 30.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    registry: CollectorRegistry
    http_requests: Counter
    http_latency: Histogram
    updates: Counter
    deliveries: Counter
    rate_limit_waits: Counter
    rate_limit_wait_seconds: Counter
    outbox_depth: Gauge
    outbox_oldest_age: Gauge
    tickets: Gauge
    ttl: float = DB_TTL_SECONDS
    _refreshed_at: float | None = field(default=None, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    # labelled children by (metric, labels): `labels()` validates and locks on every call,
    # and the hot paths (every request, every update) reuse a handful of label sets
    _children: dict[tuple[Any, ...], Any] = field(default_factory=dict, init=False)

    def child(self, metric: Any, *values: str) -> Any:
        key = (id(metric), *values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found

    # -- hooks for the workers and the bots ------------------------------------------------
    def count_update(self, channel: str, result: str) -> None:
        """One incoming messenger update: handled | unhandled | error | duplicate."""
        self.child(self.updates, channel, result).inc()

    def delivery_observer(self, queue: str) -> Callable[[str], None]:
        """`observer(result)` for a delivery worker of `queue` (webhooks, telegram, max)."""
        return lambda result: self.child(self.deliveries, queue, result).inc()

    def counting_limiter(self, limiter: RateLimiter, channel: str) -> RateLimiter:
        return _CountingLimiter(limiter, self, channel)

    # -- scrape ----------------------------------------------------------------------------
    async def refresh(self, *, force: bool = False) -> None:
        """Re-read the database gauges when they are older than `ttl` (one reader at once)."""
        async with self._lock:
            now = time.monotonic()
            if not force and self._refreshed_at is not None and now - self._refreshed_at < self.ttl:
                return
            backlog = await monitoring.outbox_backlog()
            for queue in monitoring.QUEUES:
                depth, age = backlog.get(queue, (0, 0.0))
                self.outbox_depth.labels(queue).set(depth)
                self.outbox_oldest_age.labels(queue).set(age)
            counts = await monitoring.tickets_by_status()
            for status, count in counts.items():
                self.tickets.labels(status).set(count)
            self._refreshed_at = time.monotonic()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def create_metrics(ttl: float = DB_TTL_SECONDS) -> Metrics:
    registry = CollectorRegistry(auto_describe=True)
    return Metrics(
        registry=registry,
        http_requests=Counter(
            "helpdesk_http_requests", "HTTP requests answered",
            ["method", "route", "status"], registry=registry,
        ),
        http_latency=Histogram(
            "helpdesk_http_request_duration_seconds", "HTTP request latency",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=registry,
        ),
        updates=Counter(
            "helpdesk_updates", "Messenger updates handled", ["channel", "result"],
            registry=registry,
        ),
        deliveries=Counter(
            "helpdesk_deliveries", "Delivery attempts by outcome (webhooks, messenger sends)",
            ["queue", "result"], registry=registry,
        ),
        rate_limit_waits=Counter(
            "helpdesk_rate_limit_waits", "Sends that had to wait for a platform rate limit",
            ["channel"], registry=registry,
        ),
        rate_limit_wait_seconds=Counter(
            "helpdesk_rate_limit_wait_seconds", "Time spent waiting for platform rate limits",
            ["channel"], registry=registry,
        ),
        outbox_depth=Gauge(
            "helpdesk_outbox_depth", "Rows waiting in the outbox", ["queue"], registry=registry
        ),
        outbox_oldest_age=Gauge(
            "helpdesk_outbox_oldest_age_seconds", "Age of the oldest waiting outbox row",
            ["queue"], registry=registry,
        ),
        tickets=Gauge("helpdesk_tickets", "Tickets by status", ["status"], registry=registry),
        ttl=ttl,
    )


class _CountingLimiter:
    """Counts the sends that waited for a slot and how long: `delivery.limits.acquire`
    reports each one (`waited`), whether it waited on the shared limiter's answer or in
    this process's line-up behind other sends."""

    def __init__(self, inner: RateLimiter, metrics: Metrics, channel: str) -> None:
        self._inner = inner
        self._waits = metrics.rate_limit_waits.labels(channel)
        self._seconds = metrics.rate_limit_wait_seconds.labels(channel)

    async def reserve(self, limits: Sequence[Limit]) -> float:
        return await self._inner.reserve(limits)

    def waited(self, seconds: float) -> None:
        self._waits.inc()
        self._seconds.inc(seconds)


# -- the aiohttp side --------------------------------------------------------------------
METRICS = web.AppKey("metrics", Metrics)


def route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def metrics_middleware(metrics: Metrics) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # the id is set further in (api.errors assigns it); a fresh slot per request
        token = request_id_var.set(None)
        route = route_of(request)
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.child(metrics.http_requests, request.method, route, str(status)).inc()
            metrics.child(metrics.http_latency, request.method, route).observe(
                time.perf_counter() - started
            )
            request_id_var.reset(token)

    return middleware


@web.middleware
async def log_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Inside api.errors' middleware: puts its request id (and a ticket id from the path) in
    the log context; not reset here, so the error middleware's own lines carry it too."""
    from api.errors import REQUEST_ID

    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        request_id_var.set(request_id)
    if "{id}" in route_of(request) and "/tickets/" in route_of(request):
        ticket_id_var.set(request.match_info.get("id"))
    return await handler(request)


def count_update(app: web.Application, channel: str, result: str) -> None:
    """For transports that drop an update before the dispatcher sees it (a duplicate)."""
    metrics = app.get(METRICS)
    if metrics is not None:
        metrics.count_update(channel, result)


async def metrics_view(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    try:
        await metrics.refresh()
    except Exception:  # database down: the process's own counters matter most right then
        log.warning("metrics: database gauges not refreshed", exc_info=True)
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_metrics(app: web.Application, metrics: Metrics) -> None:
    """`GET /metrics` and the request middleware (outermost, so every answer is counted)."""
    app[METRICS] = metrics
    app.router.add_get("/metrics", metrics_view)
    app.middlewares.insert(0, metrics_middleware(metrics))


# -- the aiogram side --------------------------------------------------------------------
def observe_updates(dispatcher: Any, metrics: Metrics | None, channel: str) -> None:
    """Count every update by result and put its update_id in the log context."""
    if metrics is None:
        return
    from aiogram.dispatcher.event.bases import UNHANDLED

    async def middleware(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        token = update_id_var.set(getattr(event, "update_id", None))
        try:
            result = await handler(event, data)
        except Exception:
            metrics.count_update(channel, "error")
            raise
        finally:
            update_id_var.reset(token)
        metrics.count_update(channel, "unhandled" if result is UNHANDLED else "handled")
        return result

    dispatcher.update.outer_middleware(middleware)


def observe_max_updates(dispatcher: Any, metrics: Metrics | None) -> None:
    """Count MAX updates by result (maxapi's outer middleware sees every update)."""
    if metrics is None:
        return
    counted: Metrics = metrics  # narrowed for the closure below
    from maxapi.filters.middleware import BaseMiddleware

    class CountUpdates(BaseMiddleware):
        async def __call__(self, handler: Any, event_object: Any, data: dict[str, Any]) -> Any:
            try:
                result = await handler(event_object, data)
            except Exception:
                counted.count_update("max", "error")
                raise
            counted.count_update("max", "handled")
            return result

    dispatcher.register_outer_middleware(CountUpdates())
