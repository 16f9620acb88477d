"""Delivery benchmark (on demand, not part of the tests).

    .venv/bin/python -m bench.delivery [--events 10000] [--paced-rate 500 --paced-seconds 10]
        [--tg-messages 3000 --tg-chats 100 --tg-rate 30] [--database-url URL]

1. webhooks, backlog: N queued events → local receiver; deliveries/s beside bare aiohttp POSTs
   of the same bodies (same concurrency) in the same run;
2. webhooks, paced: events recorded at R/s while the worker runs → event-to-delivery lag;
3. Telegram: M queued messages to C chats through the limit-enforcing fake Bot API → drain
   rate vs the configured ceiling, and the 429s the fake answered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from tortoise import Tortoise

from delivery import telegram as tg_delivery
from delivery.limits import MemoryLimiter
from delivery.sender import MessengerSender
from delivery.webhooks import WebhookWorker
from helpdesk.db import tortoise_config
from models import OutboundMessage, OutboxEvent
from models.enums import DeliveryStatus
from services import sql
from services.notifications import CUSTOMER_TEXT
from services.outbox import encode_body
from services.projects import create_project, update_project
from tests.fakes.telegram import FakeTelegram

CONCURRENCY = 64


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrived.setdefault(request.headers.get("webhook-id", ""), time.time())
        return web.Response(status=204)


async def start_receiver() -> tuple[Receiver, web.AppRunner, str]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return receiver, runner, f"http://127.0.0.1:{port}/hook"


def event_row(project_id: uuid.UUID, ticket_id: uuid.UUID, seq: int) -> OutboxEvent:
    now = datetime.now(UTC)
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "event": "ticket.replied",
        "occurred_at": now.isoformat(),
        "project_id": str(project_id),
        "data": {"ticket": {"id": str(ticket_id)}, "message": {"text": "x" * 200}},
    }
    return OutboxEvent(
        id=event_id,
        project_id=project_id,
        ticket_id=ticket_id,
        seq=seq,
        event="ticket.replied",
        payload=payload,
        body=encode_body(payload),  # as `outbox.new_event` stores it
        occurred_at=now,
        next_attempt_at=now,
    )


async def baseline(url: str, bodies: list[str]) -> float:
    """Bare aiohttp POSTs, same concurrency, no database: the ceiling of this machine."""
    slots = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def post(body: str) -> None:
            async with (
                slots,
                session.post(
                    url, data=body.encode(), headers={"content-type": "application/json"}
                ) as r,
            ):
                await r.read()

        start = time.perf_counter()
        await asyncio.gather(*(post(b) for b in bodies))
        return len(bodies) / (time.perf_counter() - start)


async def run_worker_until(
    count_done, stop_when: int, worker: WebhookWorker, arrived=None
) -> float:
    """Time until `count_done()` (the database) reaches `stop_when`. `arrived()`, when given,
    is watched first (in memory): the database is polled only for the last commits, so the
    poll does not compete with the worker for the database."""
    stop = asyncio.Event()
    start = time.perf_counter()
    task = asyncio.create_task(worker.run(stop))
    while arrived is not None and arrived() < stop_when:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    while await count_done() < stop_when:  # noqa: ASYNC110 - polls the database
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    stop.set()
    await task
    return elapsed


async def database_ticks() -> dict[int, int] | None:
    """CPU clock ticks used so far by each PostgreSQL backend of this database (None: not
    PostgreSQL, or the server is not on this machine)."""
    if sql.dialect() == "sqlite":
        return None
    ticks: dict[int, int] = {}
    for row in await sql.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    ):
        try:
            with open(f"/proc/{row['pid']}/stat") as stat:  # noqa: ASYNC230 - procfs, instant
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        ticks[row["pid"]] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


class CpuMeter:
    """CPU time of one phase: this process (client, worker and receiver alike) and, when it
    can be read, the PostgreSQL backends serving this database."""

    async def __aenter__(self) -> CpuMeter:
        self.process = -time.process_time()
        self._db = await database_ticks()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.process += time.process_time()
        end = await database_ticks()
        self.database: float | None = None
        if self._db is not None and end is not None:
            ticks = sum(t - self._db.get(pid, 0) for pid, t in end.items())
            self.database = ticks / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_webhooks(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    receiver, runner, url = await start_receiver()
    project, _ = await create_project(name=f"bench {uuid.uuid4().hex[:6]}")
    await update_project(project.id, webhook_url=url, allow_private_networks=True)
    tickets = [uuid.uuid4() for _ in range(max(1, args.events // 5))]
    events = [event_row(project.id, tickets[i % len(tickets)], i) for i in range(args.events)]
    bodies = [str(e.body) for e in events]
    # the baseline runs before and after the worker: the machine's load drifts, and the
    # ratio is taken to their mean
    async with CpuMeter() as cpu_base_before:
        base_before = await baseline(url, bodies)
    receiver.arrived.clear()
    await OutboxEvent.bulk_create(events, batch_size=1000)

    async def delivered() -> int:
        # this run's project only: a reused PostgreSQL database keeps earlier runs' rows
        return await OutboxEvent.filter(
            project_id=project.id, status=DeliveryStatus.DELIVERED
        ).count()

    worker = WebhookWorker(allow_private_networks=True, concurrency=CONCURRENCY, batch_size=500)
    async with CpuMeter() as cpu_worker:
        elapsed = await run_worker_until(
            delivered, args.events, worker, arrived=lambda: len(receiver.arrived)
        )
    rate = args.events / elapsed
    dupes = args.events - len(receiver.arrived)
    async with CpuMeter() as cpu_base_after:
        base_after = await baseline(url, bodies)
    base_rate = (base_before + base_after) / 2
    rows.append(
        (
            "webhooks: bare aiohttp POSTs (baseline)",
            f"{base_rate:,.0f} req/s (before {base_before:,.0f}, after {base_after:,.0f})",
        )
    )
    rows.append(
        (
            f"webhooks: {args.events:,} queued events via worker",
            f"{rate:,.0f} deliveries/s ({rate / base_rate:.2f}x baseline)",
        )
    )
    rows.append(("webhooks: duplicates / missing at receiver", f"{dupes}"))
    # CPU per request is steadier than the rates on a shared machine (it does not count
    # the time other programs take the cores), so it shows what the worker costs on top
    per = 1e6 / args.events
    base_cpu = (cpu_base_before.process + cpu_base_after.process) / 2 * per
    cpu = f"bench process: baseline {base_cpu:,.0f} µs, worker {cpu_worker.process * per:,.0f} µs"
    if cpu_worker.database is not None:
        cpu += f"; PostgreSQL: {cpu_worker.database * per:,.0f} µs"
    rows.append(("webhooks: CPU per event (client+receiver, database)", cpu))

    # paced: events keep arriving while the worker runs; lag = receipt - occurred_at
    receiver.arrived.clear()
    total = int(args.paced_rate * args.paced_seconds)
    made: dict[str, float] = {}
    stop = asyncio.Event()
    worker = WebhookWorker(allow_private_networks=True, concurrency=CONCURRENCY, poll_interval=0.05)
    task = asyncio.create_task(worker.run(stop))
    start = time.perf_counter()
    tick = 0.02
    per_tick = args.paced_rate * tick
    owed = 0.0
    seq = 10_000_000
    while len(made) < total:
        owed += per_tick
        batch: list[Any] = []
        while owed >= 1 and len(made) + len(batch) < total:
            seq += 1
            batch.append(event_row(project.id, tickets[seq % len(tickets)], seq))
            owed -= 1
        if batch:
            await OutboxEvent.bulk_create(batch)
            for e in batch:
                made[str(e.id)] = e.occurred_at.timestamp()
        await asyncio.sleep(
            max(0.0, start + tick * (seq - 10_000_000) / per_tick - time.perf_counter())
        )
    while len(receiver.arrived) < total:  # noqa: ASYNC110 - a bench, polling is fine
        await asyncio.sleep(0.05)
    stop.set()
    await task
    lags = [receiver.arrived[i] - made[i] for i in made]
    rows.append(
        (
            f"webhooks: paced {args.paced_rate:g}/s for {args.paced_seconds:g} s, lag",
            f"p50 {statistics.median(lags) * 1000:,.0f} ms, p99 {pct(lags, 0.99) * 1000:,.0f} ms",
        )
    )
    await runner.cleanup()


async def bench_telegram(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    ceiling = args.tg_rate
    async with FakeTelegram(enforce_limits=True, global_per_second=int(ceiling)) as tg:
        project, _ = await create_project(name=f"tg {uuid.uuid4().hex[:6]}")
        now = datetime.now(UTC)
        await OutboundMessage.bulk_create(
            [
                OutboundMessage(
                    project_id=project.id,
                    channel="telegram",
                    chat_id=1000 + i % args.tg_chats,
                    kind=CUSTOMER_TEXT,
                    payload={"text": f"message {i}", "attachments": []},
                    next_attempt_at=now,
                )
                for i in range(args.tg_messages)
            ],
            batch_size=1000,
        )
        sender = MessengerSender(
            tg_delivery.TelegramPlatform(ceiling), tg.make_bot(), MemoryLimiter()
        )
        tg_delivery.setup(sender)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        await tg.wait_until(
            lambda: len(tg.successful_sends()) >= args.tg_messages,
            timeout=args.tg_messages / ceiling * 3 + 30,
        )
        stop.set()
        await task
        at = sorted(c.at for c in tg.successful_sends())
        rate = (len(at) - 1) / (at[-1] - at[0])
        rows.append(
            (
                f"telegram: {args.tg_messages:,} msgs to {args.tg_chats} chats, "
                f"ceiling {ceiling:g}/s",
                f"{rate:.1f} msg/s ({rate / ceiling:.1%} of ceiling), 429s: {tg.too_many_requests}",
            )
        )
        counts = [len(tg.sent_texts(1000 + c)) for c in range(args.tg_chats)]
        rows.append(("telegram: messages per chat min/max", f"{min(counts)}/{max(counts)}"))


async def main_async(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite://{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    from tortoise.migrations.api.migrate import migrate

    await migrate(config=tortoise_config(url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    rows: list[tuple[str, str]] = [("database", url.split("://")[0])]
    try:
        if not args.skip_webhooks:
            await bench_webhooks(args, rows)
        if not args.skip_telegram:
            await bench_telegram(args, rows)
    finally:
        await Tortoise.close_connections()
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    if args.json:
        print(json.dumps(dict(rows)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--paced-rate", type=float, default=500)
    parser.add_argument("--paced-seconds", type=float, default=10)
    parser.add_argument("--tg-messages", type=int, default=3000)
    parser.add_argument("--tg-chats", type=int, default=100)
    parser.add_argument("--tg-rate", type=float, default=30)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-webhooks", action="store_true")
    parser.add_argument("--skip-telegram", action="store_true")
    parser.add_argument("--json", action="store_true")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
