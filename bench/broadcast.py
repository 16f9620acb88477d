"""Broadcast benchmark (on demand, not part of the tests).

    .venv/bin/python -m bench.broadcast [--subscribers 10000] [--rate 30] [--database-url URL]

A broadcast to N subscribers at no requested pace (so: the platform's ceiling) goes through
the real pacer (services.broadcast_pacer via delivery.broadcasts.BroadcastPacer) and the real
Telegram sender into the limit-enforcing fake Bot API (global `--rate`/s, 1/s per chat; a
send beyond either is answered 429). Measured: the drain rate from the first to the last
accepted send vs the ceiling, the 429s, and whether every subscriber got exactly one message.
Baseline in the same run: the same number of plain helpdesk `customer_text` rows already in
the outbound queue, drained by the same sender (bench/delivery.py's Telegram scenario) —
what the sender alone achieves, without the pacer feeding it.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tortoise import Tortoise

from delivery import telegram as tg_delivery
from delivery.broadcasts import BroadcastPacer
from delivery.limits import MemoryLimiter
from delivery.sender import MessengerSender
from helpdesk.db import tortoise_config
from models import Broadcast, OutboundMessage, Project, Subscriber, SubscriberTag
from models.enums import BroadcastState, Channel, SubscriberStatus
from services import broadcast_pacer, broadcasts
from services.notifications import CUSTOMER_TEXT
from services.projects import create_project
from tests.fakes.telegram import FakeTelegram


async def seed(count: int, first_chat: int) -> Project:
    project, _ = await create_project(name=f"bench {uuid.uuid4().hex[:6]}")
    now = datetime.now(UTC)
    subs = [
        Subscriber(
            id=uuid.uuid4(), project_id=project.id, channel=Channel.TELEGRAM,
            chat_id=first_chat + i, status=SubscriberStatus.ACTIVE, tags=["all"],
            subscribed_at=now,
        )
        for i in range(count)
    ]
    await Subscriber.bulk_create(subs, batch_size=1000)
    await SubscriberTag.bulk_create(
        [SubscriberTag(project_id=project.id, subscriber_id=s.id, tag="all",
                      subscriber_created_at=s.created_at) for s in subs],
        batch_size=1000,
    )
    return project


def drain_rate(tg: FakeTelegram) -> float:
    at = sorted(c.at for c in tg.successful_sends())
    return (len(at) - 1) / (at[-1] - at[0])


async def run_until(tg: FakeTelegram, workers: list, expected: int, ceiling: float) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        await tg.wait_until(
            lambda: len(tg.successful_sends()) >= expected, timeout=expected / ceiling * 3 + 60
        )
    finally:
        stop.set()
        await asyncio.gather(*tasks)


def telegram_sender(tg: FakeTelegram, ceiling: float) -> MessengerSender:
    sender = MessengerSender(tg_delivery.TelegramPlatform(ceiling), tg.make_bot(), MemoryLimiter())
    tg_delivery.setup(sender)
    return sender


async def bench_baseline(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    ceiling = args.rate
    async with FakeTelegram(enforce_limits=True, global_per_second=int(ceiling)) as tg:
        project, _ = await create_project(name=f"base {uuid.uuid4().hex[:6]}")
        now = datetime.now(UTC)
        await OutboundMessage.bulk_create(
            [
                OutboundMessage(
                    project_id=project.id, channel="telegram", chat_id=500_000 + i,
                    kind=CUSTOMER_TEXT, payload={"text": "Sale", "attachments": []},
                    next_attempt_at=now,
                )
                for i in range(args.baseline)
            ],
            batch_size=1000,
        )
        await run_until(tg, [telegram_sender(tg, ceiling)], args.baseline, ceiling)
        rate = drain_rate(tg)
        rows.append((
            f"baseline: {args.baseline:,} queued helpdesk messages, ceiling {ceiling:g}/s",
            f"{rate:.1f} msg/s ({rate / ceiling:.1%} of ceiling), 429s: {tg.too_many_requests}",
        ))


async def bench_broadcast(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    ceiling = args.rate
    async with FakeTelegram(enforce_limits=True, global_per_second=int(ceiling)) as tg:
        project = await seed(args.subscribers, 1000)
        started = time.perf_counter()
        created = await broadcasts.create_broadcast(project, text="Sale", tags_all=["all"])
        create_s = time.perf_counter() - started
        pacer = BroadcastPacer(ceiling * 60)
        await run_until(tg, [telegram_sender(tg, ceiling), pacer], args.subscribers, ceiling)
        rate = drain_rate(tg)
        per_chat = Counter(c.chat_id for c in tg.successful_sends())
        for _ in range(50):  # the last outcomes land just after the fake counted the sends
            await broadcast_pacer.tick(datetime.now(UTC), ceiling * 60)
            broadcast = await Broadcast.get(id=created["id"])
            if broadcast.state == BroadcastState.DONE:
                break
            await asyncio.sleep(0.1)
        rows += [
            (f"broadcast: create with {args.subscribers:,} recipients", f"{create_s:.2f} s"),
            (
                f"broadcast: {args.subscribers:,} subscribers, ceiling {ceiling:g}/s",
                f"{rate:.1f} msg/s ({rate / ceiling:.1%} of ceiling), "
                f"429s: {tg.too_many_requests}",
            ),
            (
                "broadcast: subscribers reached / max messages per subscriber",
                f"{len(per_chat):,} / {max(per_chat.values())}",
            ),
            ("broadcast: state / sent", f"{broadcast.state} / {broadcast.sent:,}"),
        ]


async def main_async(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite://{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    from tortoise.migrations.api.migrate import migrate

    await migrate(config=tortoise_config(url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    rows: list[tuple[str, str]] = [("database", url.split("://")[0])]
    try:
        if args.baseline:
            await bench_baseline(args, rows)
        await bench_broadcast(args, rows)
    finally:
        await Tortoise.close_connections()
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=3000, help="0: skip the baseline")
    parser.add_argument("--rate", type=float, default=30.0, help="Telegram's global ceiling")
    parser.add_argument("--database-url")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
