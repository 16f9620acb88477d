"""GET /v1/subscribers benchmark on PostgreSQL (on demand, not part of the tests).

    .venv/bin/python -m bench.subscribers [--subscribers 100000] [--requests 2000]
        [--database-url postgres://postgres@127.0.0.1:5432/hdbench_subscribers]

Recreates `--database-url` (dropped, created, migrated), seeds one project with N subscribers
(every 10th tagged `vip`, half of them on MAX), starts the real server (`helpdesk serve --role
api`) as its own process and drives it with ONE client (sequential requests, keep-alive): the first
page (limit 50), a page deep in the cursor chain, a `tag` filter, `status` + `channel`
filters and `limit=200`. Latency per request, p50/p99. Baseline in the same run, same client
and server: `GET /v1/helpdesk/ticket-types` (key check, rate limiter, one indexed query) —
the fixed cost of any keyed request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from tortoise import Tortoise

from bench.api import HELPDESK, recreate_database, server
from helpdesk.db import tortoise_config
from models import Subscriber, SubscriberTag
from models.enums import Channel, SubscriberStatus
from services.projects import create_project, update_project

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hdbench_subscribers"


async def seed(url: str, count: int) -> tuple[str, str]:
    from tortoise.migrations.api.migrate import migrate

    await recreate_database(url)  # a first run on a fresh server has no such database yet
    await migrate(config=tortoise_config(url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url))
    project, key = await create_project(name=f"bench {uuid.uuid4().hex[:6]}")
    await update_project(project.id, rate_limit=1_000_000)
    base = datetime.now(UTC) - timedelta(days=30)
    for first in range(0, count, 2000):
        subs = [
            Subscriber(
                id=uuid.uuid4(), project_id=project.id,
                channel=Channel.MAX if i % 2 else Channel.TELEGRAM, chat_id=10_000 + i,
                first_name=f"User {i}", status=SubscriberStatus.ACTIVE if i % 7 else
                SubscriberStatus.UNSUBSCRIBED, blocked=not i % 7,
                tags=["vip"] if not i % 10 else [], subscribed_at=base,
            )
            for i in range(first, min(first + 2000, count))
        ]
        await Subscriber.bulk_create(subs)
        await SubscriberTag.bulk_create(
            [SubscriberTag(project_id=project.id, subscriber_id=s.id, tag="vip",
                           subscriber_created_at=s.created_at)
             for s in subs if s.tags]
        )
    await conn_analyze()
    await Tortoise.close_connections()
    return str(project.id), key


async def conn_analyze() -> None:
    await Tortoise.get_connection("default").execute_script("ANALYZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def measure(
    session: aiohttp.ClientSession, url: str, params: Any, requests: int
) -> list[float]:
    times = []
    for i in range(requests + 20):
        started = time.perf_counter()
        async with session.get(url, params=params(i) if callable(params) else params) as r:
            await r.read()
            assert r.status == 200, await r.text()
        if i >= 20:  # warm-up
            times.append((time.perf_counter() - started) * 1000)
    return times


async def main_async(args: argparse.Namespace) -> None:
    print(f"seeding {args.subscribers:,} subscribers …", flush=True)
    _, key = await seed(args.database_url, args.subscribers)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    cmd = [HELPDESK, "serve", "--role", "api", "--host", "127.0.0.1", "--port", str(port)]
    async with server(cmd, env, port) as base:
        await drive(base, key, args)


async def drive(base: str, key: str, args: argparse.Namespace) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    rows: list[tuple[str, float, float]] = []
    async with aiohttp.ClientSession(headers=headers) as session:
        # cursors spread over the whole list: walk it once with limit=200
        cursors: list[str] = []
        cursor = None
        while True:
            params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
            async with session.get(f"{base}/v1/subscribers", params=params) as r:
                page = await r.json()
                assert r.status == 200, page
            cursor = page["next_cursor"]
            if not cursor:
                break
            cursors.append(cursor)
        scenarios: list[tuple[str, str, Any]] = [
            ("baseline: GET /v1/helpdesk/ticket-types", "/v1/helpdesk/ticket-types", {}),
            ("first page (limit 50)", "/v1/subscribers", {}),
            ("any page by cursor (limit 50)", "/v1/subscribers",
             lambda i: {"cursor": cursors[(i * 37) % len(cursors)]}),
            ("tag=vip (limit 50)", "/v1/subscribers", {"tag": "vip"}),
            ("status=active&channel=max", "/v1/subscribers",
             {"status": "active", "channel": "max"}),
            ("limit=200", "/v1/subscribers", {"limit": "200"}),
        ]
        for name, path, params in scenarios:
            times = await measure(session, base + path, params, args.requests)
            rows.append((name, pct(times, 0.5), pct(times, 0.99)))
    print(f"\n{args.subscribers:,} subscribers, PostgreSQL, 1 client, {args.requests} each")
    print("| request | p50 ms | p99 ms |")
    print("|---|---|---|")
    for name, p50, p99 in rows:
        print(f"| {name} | {p50:.2f} | {p99:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
