"""`GET /metrics`: parses with prometheus-client's own parser, and the counters move."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from delivery.limits import Limit, MemoryLimiter, acquire
from helpdesk.app import create_app
from helpdesk.logging_setup import make_handler
from helpdesk.metrics import Metrics, create_metrics, observe_updates
from helpdesk.settings import load_settings
from helpdesk.workers import create_delivery
from models import Project
from services import tickets
from services.projects import update_project
from tests.conftest import TEST_REDIS_URL
from tests.test_ops_logging import attached


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def settings_for(db: str, **overrides: Any) -> Any:
    return load_settings(database_url=db, redis_url=TEST_REDIS_URL or "", **overrides)


async def test_http_requests_are_counted_by_route_not_by_url(
    db, aiohttp_client, project_with_key
):
    project, key = project_with_key
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="Hello"))
    client = await aiohttp_client(create_app(settings_for(db), role="api"))
    auth = {"Authorization": f"Bearer {key}"}
    for _ in range(2):
        response = await client.get(f"/v1/helpdesk/tickets/{ticket.id}", headers=auth)
        assert response.status == 200
    assert (await client.get("/no/such/page")).status == 404
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    route = "/v1/helpdesk/tickets/{id}"
    assert value(text, "helpdesk_http_requests_total", method="GET", route=route,
                 status="200") == 2
    assert value(text, "helpdesk_http_requests_total", method="GET", route="<unmatched>",
                 status="404") == 1
    assert value(text, "helpdesk_http_request_duration_seconds_count", method="GET",
                 route=route) == 2
    assert str(ticket.id) not in text and key not in text
    # tickets by status and the outbox backlog come from the database
    assert value(text, "helpdesk_tickets", status="new") == 1
    assert value(text, "helpdesk_outbox_depth", queue="webhooks") >= 1
    assert value(text, "helpdesk_outbox_oldest_age_seconds", queue="telegram") == 0


async def test_every_role_serves_metrics(db, aiohttp_client):
    for role in ("api", "bots", "workers", "all"):
        client = await aiohttp_client(create_app(settings_for(db), role=role))
        response = await client.get("/metrics")
        assert response.status == 200, role
        names = {f.name for f in text_string_to_metric_families(await response.text())}
        assert {"helpdesk_http_requests", "helpdesk_deliveries", "helpdesk_outbox_depth"} <= names
        await client.close()


async def test_webhook_deliveries_and_outbox_depth_move(aiohttp_server, project: Project):
    received: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(request.headers["webhook-id"])
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    await update_project(
        project.id, webhook_url=str(server.make_url("/hook")), allow_private_networks=True
    )
    for n in range(3):
        await tickets.create_ticket(project, tickets.NewTicket(text=f"Hello {n}"))
    metrics = create_metrics(ttl=3600)
    await metrics.refresh()
    before = metrics.render().decode()
    assert value(before, "helpdesk_outbox_depth", queue="webhooks") == 3
    assert value(before, "helpdesk_tickets", status="new") == 3

    settings = load_settings(webhook_allow_private_networks=True)
    delivery = create_delivery(settings, metrics=metrics)
    try:
        assert await delivery.webhooks.run_once() == 3
    finally:
        await delivery.webhooks.close()
    assert len(received) == 3
    await metrics.refresh()  # cached: the gauge still shows the old depth...
    assert value(metrics.render().decode(), "helpdesk_outbox_depth", queue="webhooks") == 3
    await metrics.refresh(force=True)  # ...until the cache runs out
    after = metrics.render().decode()
    assert value(after, "helpdesk_outbox_depth", queue="webhooks") == 0
    assert value(after, "helpdesk_deliveries_total", queue="webhooks", result="delivered") == 3


async def test_rate_limit_waits_are_counted() -> None:
    """A send that waits for the shared limiter's answer counts, and so does one that waits
    in this process's line-up (the window it tracks itself) without asking the limiter."""
    metrics = create_metrics()
    inner = MemoryLimiter()
    asked: list[int] = []

    class Asking:
        async def reserve(self, limits: Sequence[Limit]) -> float:
            asked.append(1)
            return await inner.reserve(limits)

    limiter = metrics.counting_limiter(Asking(), "telegram")

    def waits() -> tuple[float, float]:
        text = metrics.render().decode()
        return (
            value(text, "helpdesk_rate_limit_waits_total", channel="telegram"),
            value(text, "helpdesk_rate_limit_wait_seconds_total", channel="telegram"),
        )

    # the limiter says "wait": one wait, of about the window's length
    window = [Limit(f"all:{uuid.uuid4()}", 1, 0.2)]
    await acquire(limiter, window)
    assert waits() == (0, 0)  # a free slot is no wait
    await acquire(limiter, window)
    count, seconds = waits()
    assert count == 1 and 0.1 <= seconds <= 0.3

    # the line-up: a tracked call finished a moment ago fills the window as this process
    # sees it, so the next send sleeps in line before it even asks the limiter
    window = [Limit(f"all:{uuid.uuid4()}", 1, 0.2)]
    (await acquire(limiter, window, track=True)).finished()
    asked.clear()
    started = time.monotonic()
    (await acquire(limiter, window, track=True)).finished()
    assert time.monotonic() - started >= 0.15
    assert len(asked) == 1  # asked once, after the wait in line: the limiter said nothing
    count, seconds = waits()
    assert count == 2 and 0.25 <= seconds <= 0.6

    # sends queued behind the head of the line count too (they wait for the same window)
    window = [Limit(f"all:{uuid.uuid4()}", 1, 0.2)]
    await asyncio.gather(*(acquire(limiter, window) for _ in range(3)))
    count, seconds = waits()
    assert count == 4  # the first of the three went straight through
    assert seconds >= 0.25 + 0.2 + 0.4 - 0.05


async def test_updates_are_counted_and_carry_their_update_id_in_logs() -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.types import Message, Update

    metrics: Metrics = create_metrics()
    dp = Dispatcher()
    observe_updates(dp, metrics, "telegram")
    log = logging.getLogger("tests.ops.bot")

    @dp.message()
    async def on_message(message: Message) -> None:
        log.warning("handling a message")

    stream = io.StringIO()
    bot = Bot("123456:" + "A" * 35)
    try:
        message = {
            "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "secret"
        }
        with attached(make_handler("json", stream)):
            await dp.feed_update(
                bot, Update.model_validate({"update_id": 77, "message": message})
            )
            await dp.feed_update(
                bot, Update.model_validate({"update_id": 78, "edited_message": message})
            )
    finally:
        await bot.session.close()
    text = metrics.render().decode()
    assert value(text, "helpdesk_updates_total", channel="telegram", result="handled") == 1
    assert value(text, "helpdesk_updates_total", channel="telegram", result="unhandled") == 1
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {"update_id": 77, "message": "handling a message"}.items() <= lines[0].items()


async def test_bot_webhook_updates_and_duplicates_are_counted(db, aiohttp_client) -> None:
    from tests.dialogs.conftest import make_settings
    from tests.fakes.telegram import FakeTelegram

    path, secret, chat = "/bot/telegram/webhook", "s3cret-token", 7002
    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db,
            telegram_bot_token="123456:ABC",
            telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + path,
            telegram_webhook_secret=secret,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        update = tg.updates.message(chat, chat, "/start", first_name="Ann")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        for _ in range(2):  # Telegram redelivers the same update
            assert (await client.post(path, json=update, headers=headers)).status == 200
        text = (await (await client.get("/metrics")).read()).decode()
    assert value(text, "helpdesk_updates_total", channel="telegram", result="handled") == 1
    assert value(text, "helpdesk_updates_total", channel="telegram", result="duplicate") == 1
    assert value(text, "helpdesk_http_requests_total", method="POST", route=path,
                 status="200") == 2


async def test_metrics_are_served_when_the_database_gauges_fail(db, aiohttp_client, monkeypatch):
    from services import monitoring

    async def down() -> dict[str, tuple[int, float]]:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(monitoring, "outbox_backlog", down)
    client = await aiohttp_client(create_app(settings_for(db), role="workers"))
    response = await client.get("/metrics")
    assert response.status == 200
    names = {f.name for f in text_string_to_metric_families(await response.text())}
    assert {"helpdesk_http_requests", "helpdesk_outbox_depth"} <= names
    await client.close()  # its workers stop while the database is still open
