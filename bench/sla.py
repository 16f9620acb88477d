"""Service-level benchmark on PostgreSQL (on demand, not a test): the SLA timer's tick beside a
bare indexed SELECT, and ticket creation with an SLA beside the same without.

    .venv/bin/python -m bench.sla                       # ~1 min
    .venv/bin/python -m bench.sla --tickets 100000 --ticks 200 --creates 300

What it does: recreates the database `--database-url` (default hdbench_sla), migrates it,
creates two projects — one with business hours (Europe/Berlin, Mon–Fri 09:00–17:00, a
holiday) and all three targets, one with the defaults (no SLA) — and fills the first with
`--tickets` open tickets whose next SLA check lies in the future (spread over 30 days, as
real due times are), written by one INSERT … SELECT generate_series.

- Tick: `services.sla_timers.run_due()` with nothing due (what nearly every tick of a
  worker does: the one indexed query), then with 20 tickets due (each claimed, warned with
  its webhook and agent-chat rows, and given its next check, one transaction each); the
  baseline is the same SELECT sent bare through asyncpg. Ticks alternate with the baseline.
- Create: `services.tickets.create_ticket` (a Telegram ticket: subscriber, number, ticket,
  message, webhook event, customer notice) alternating between the two projects; the SLA
  project computes first-response and resolution due times in business hours (one more
  indexed read of its settings, the columns in the same INSERT).
Medians and p95 in milliseconds; the targets: tick ≤ 20 ms, creation ≤ 10 % over.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from models.enums import Channel, MessageSource

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hdbench_sla"
SETTINGS = {
    "timezone": "Europe/Berlin",
    "business_hours": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2027-01-01"],
    "targets": {"first_response_minutes": 60, "next_response_minutes": 240,
                "resolution_minutes": 2880},
}
FILL = """
INSERT INTO tickets (id, project_id, number, status, priority, channel, created_at, updated_at,
                     sla_warn_before_minutes, sla_resolution_due_at, sla_due_at,
                     sla_next_check_at)
SELECT gen_random_uuid(), $1, n, 'open', 'normal', 'virtual', $2::timestamptz, $2::timestamptz,
       15, $2::timestamptz + make_interval(mins => 60 + n % 43200),
       $2::timestamptz + make_interval(mins => 60 + n % 43200),
       $2::timestamptz + make_interval(mins => 45 + n % 43200)
FROM generate_series(1, $3) AS n
"""


async def recreate(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


async def main(args: argparse.Namespace) -> None:
    from helpdesk.db import tortoise_config
    from models import Project
    from services import clock, service_levels, sla_timers, tickets
    from services.projects import create_project

    await recreate(args.database_url)
    await migrate(config=tortoise_config(args.database_url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(args.database_url), _enable_global_fallback=True)
    frozen = clock.FrozenClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday 10:00 Berlin
    clock.set_clock(frozen)
    with_sla, _ = await create_project(name="With SLA")
    without, _ = await create_project(name="Without SLA")
    await service_levels.put_settings(with_sla.id, SETTINGS)
    raw = await asyncpg.connect(args.database_url)
    start = frozen.now()
    await raw.execute(FILL, with_sla.id, start, args.tickets)
    await raw.execute("UPDATE projects SET ticket_counter = $2 WHERE id = $1", with_sla.id,
                      args.tickets)
    await raw.execute("ANALYZE tickets")
    bare_sql = sla_timers.DUE_QUERY

    async def bare() -> None:
        await raw.fetch(bare_sql, frozen.now(), sla_timers.BATCH)

    # --- tick with nothing due, beside the bare SELECT ---------------------------------
    tick, base = [], []
    for _ in range(args.ticks):
        tick.append(await timed(sla_timers.run_due))
        base.append(await timed(bare))
    # --- ticks with 20 tickets due each ---------------------------------------------------
    due_tick, due_base, handled = [], [], 0
    frozen.advance(minutes=45)  # the earliest checks are just ahead
    for _ in range(10):
        frozen.advance(minutes=20 * 43200 / args.tickets)  # ~20 more tickets come due
        due_base.append(await timed(bare))
        before = time.perf_counter()
        report = await sla_timers.run_due()
        due_tick.append((time.perf_counter() - before) * 1000)
        handled += report.total
    # --- ticket creation, alternating ------------------------------------------------------
    created: dict[str, list[float]] = {"with": [], "without": []}
    projects: dict[str, Project] = {"with": with_sla, "without": without}
    chat = 10_000
    for n in range(args.creates * 2):
        which = ("with", "without")[n % 2] if (n // 2) % 2 == 0 else ("without", "with")[n % 2]
        chat += 1
        new = tickets.NewTicket(text="My order is late", channel=Channel.TELEGRAM, chat_id=chat,
                                first_name="Ann", source=MessageSource.TELEGRAM)
        created[which].append(await timed(partial(tickets.create_ticket, projects[which], new)))
    await raw.close()
    await Tortoise.close_connections()

    print(f"\nSLA timer, {args.tickets:,} open tickets with a future check (PostgreSQL)")
    print(f"{'case':<44}{'median ms':>10}{'p95 ms':>10}")
    for name, samples in (
        ("bare indexed SELECT (asyncpg)", base),
        ("run_due(), nothing due", tick),
        ("bare SELECT, ~20 due", due_base),
        (f"run_due(), ~20 due ({handled / 10:.0f} handled/tick)", due_tick),
    ):
        median, p95 = stats(samples)
        print(f"{name:<44}{median:>10.2f}{p95:>10.2f}")
    with_median, _ = stats(created["with"])
    without_median, _ = stats(created["without"])
    print(f"\nTicket creation, {args.creates} each, alternating")
    print(f"{'case':<44}{'median ms':>10}{'p95 ms':>10}")
    for which in ("without", "with"):
        median, p95 = stats(created[which])
        print(f"{'create_ticket, ' + which + ' SLA':<44}{median:>10.2f}{p95:>10.2f}")
    print(f"overhead of the SLA: {100 * (with_median / without_median - 1):+.1f} %")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--creates", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
