"""Full-text search benchmark on PostgreSQL: `GET /v1/helpdesk/tickets?q=` beside the bare SQL.

    .venv/bin/python -m bench.search                  # full run: 100,000 tickets, 1,000,000
                                                      # messages, ~4 min (mostly the seeding)
    .venv/bin/python -m bench.search --tickets 20000  # quicker

What it does: recreates `--database-url` (default hdsearch), migrates it with `helpdesk
migrate`, creates a project, then seeds `--tickets` tickets with 10 messages each through
COPY (texts drawn from a Zipf-distributed Russian + English vocabulary, so words range from
everywhere to rare) with the search indexes dropped, and builds them again as the migration
would. Then, one client at a time:

0. each query once through the API, as a user would (a common word searched alone is so
   asked for the word cache, services.search_words), then `helpdesk search refresh` as the
   workers' next tick would run it (timed: the build), again with nothing due (the CLI's own
   start) and with `--all` (a refresh with no change);
1. each query class through `helpdesk serve --role api` (`GET /tickets?q=…&limit=50`, the
   total included) and the very same statement the API runs (the cached word's,
   `services.search_word_statements.word_page_statement`, or the plain
   `services.search_statements.search_statement`) bare through asyncpg, and for a cached
   word the plain statement too (what the cache saves), alternating in rounds;
2. message inserts: the same single-row INSERTs (one statement, autocommit, as a reply is
   written) into two copies of `messages` made alike, one with its search index (a GIN index
   on the message's `to_tsvector`, as migrated) and one without, one into each in turn; the
   ratio of the mean times is what search costs a write.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.api import HELPDESK, _free_port, cli, recreate_database, server
from models import migrations
from services import search
from services import search_statements as search_sql
from services import search_word_statements as word_sql

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hdsearch"
MESSAGES_PER_TICKET = 10
WORDS_PER_MESSAGE = (6, 16)
POOL_SIZE = 10

# Real words with their forms, placed at chosen ranks of the Zipf vocabulary so the query
# classes below hit roughly 10 %, 1 % and 0.1 % of messages; the rest is made-up filler.
RU_FORMS = {
    "заказ": ("заказ", "заказа", "заказу", "заказом", "заказы", "заказов"),
    "доставка": ("доставка", "доставки", "доставку", "доставкой"),
    "возврат": ("возврат", "возврата", "возвратом"),
    "счёт": ("счёт", "счета", "счетом", "счетов"),
}
EN_FORMS = {
    "order": ("order", "orders", "ordered"),
    "refund": ("refund", "refunds", "refunded"),
    "invoice": ("invoice", "invoices"),
    "password": ("password", "passwords"),
}
PLACED = {
    "заказ": 8,
    "order": 10,
    "доставка": 80,
    "refund": 90,
    "возврат": 900,
    "invoice": 950,
    "счёт": 3000,
    "password": 3100,
}
VOCABULARY_SIZE = 20_000
QUERIES = [  # (class, query)
    ("common word, RU form (~10 % of msgs)", "заказа"),
    ("common word, EN", "orders"),
    ("mid word, RU form (~1 %)", "доставку"),
    ("mid word, EN", "refunds"),
    ("rare word (~0.1 %)", "invoice"),
    ("rare word, RU form", "возвратом"),
    ("two words, mid + rare", "refund invoice"),
    ("two words, common + very rare (lead word)", "orders password"),
    ("three words, common + mid + very rare (lead word)", "заказ refund password"),
    ("two words, common + no match (lead word)", "заказа zyzzyva"),
    ("two words, mid + common", "доставку заказа"),
    ("very rare word (~0.03 %)", "password"),
    ("no match", "zyzzyva"),
]
INSERTS = 3_000
COPIES = ("messages_with_search", "messages_without_search")  # made alike but for the index


def _filler(rng: random.Random) -> str:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "sta",
        "vo",
        "pe",
        "ti",
        "gra",
        "dor",
        "fen",
        "ба",
        "ло",
        "ми",
        "ну",
        "ра",
        "сто",
        "ве",
        "ки",
        "дор",
        "жу",
    ]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def vocabulary(rng: random.Random) -> tuple[list[list[str]], list[float]]:
    """Word slots by rank (a slot is a word's forms) and their cumulative Zipf weights."""
    slots: list[list[str]] = []
    seen: set[str] = set()
    placed = {rank: word for word, rank in PLACED.items()}
    forms = {**RU_FORMS, **EN_FORMS}
    for rank in range(1, VOCABULARY_SIZE + 1):
        if rank in placed:
            slots.append(list(forms[placed[rank]]))
            continue
        word = _filler(rng)
        while word in seen or word in forms:
            word = _filler(rng)
        seen.add(word)
        slots.append([word])
    weights = list(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY_SIZE + 1)))
    return slots, weights


def text(rng: random.Random, slots: list[list[str]], weights: list[float]) -> str:
    count = rng.randint(*WORDS_PER_MESSAGE)
    picked = rng.choices(slots, cum_weights=weights, k=count)
    return " ".join(rng.choice(forms) for forms in picked)


def _search_migration() -> Any:
    """The latest migration that shapes the search indexes (found by name: numbers get
    renumbered)."""
    path = sorted(Path(migrations.__file__).parent.glob("*_search*.py"))[-1]
    return importlib.import_module(f"models.migrations.{path.stem}")


async def drop_search_indexes(conn: asyncpg.Connection) -> None:
    """Only the GIN indexes (their DROP INDEX statements in the migration's backward list)."""
    for statement in _search_migration().POSTGRES_BACKWARD:
        if statement.startswith("DROP INDEX"):
            await conn.execute(statement)


async def create_search_indexes(conn: asyncpg.Connection) -> None:
    for statement in _search_migration().POSTGRES_FORWARD:
        await conn.execute(statement)


async def seed(url: str, projects: list[tuple[uuid.UUID, int]]) -> None:
    """Each project's tickets and their messages through COPY, the indexes built afterwards."""
    rng = random.Random(15)
    slots, weights = vocabulary(rng)
    conn = await asyncpg.connect(url)
    try:
        await drop_search_indexes(conn)
        for project_id, tickets in projects:
            await _copy_tickets(conn, rng, slots, weights, project_id, tickets)
        started = time.perf_counter()
        await create_search_indexes(conn)
        print(f"search indexes built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        await conn.execute("VACUUM ANALYZE tickets")
        await conn.execute("VACUUM ANALYZE messages")
    finally:
        await conn.close()


async def _copy_tickets(
    conn: asyncpg.Connection,
    rng: random.Random,
    slots: list[list[str]],
    weights: list[float],
    project_id: uuid.UUID,
    tickets: int,
) -> None:
    start = datetime.now(UTC) - timedelta(days=365)
    ticket_rows = []
    message_rows: list[tuple[Any, ...]] = []
    step = timedelta(seconds=300)
    for n in range(1, tickets + 1):
        tid = uuid.uuid4()
        created = start + step * n
        subject = text(rng, slots, weights)[:200]
        ticket_rows.append(
            (tid, project_id, n, subject, "open", "normal", "virtual", created, created)
        )
        for k in range(MESSAGES_PER_TICKET):
            author = "customer" if k % 2 == 0 else "agent"
            message_rows.append(
                (
                    uuid.uuid4(),
                    tid,
                    project_id,
                    author,
                    text(rng, slots, weights),
                    k == 9,
                    "[]",
                    "api",
                    created + timedelta(seconds=k),
                )
            )
    columns = (
        "id",
        "project_id",
        "number",
        "subject",
        "status",
        "priority",
        "channel",
        "created_at",
        "updated_at",
    )
    await conn.copy_records_to_table("tickets", records=ticket_rows, columns=columns)
    await conn.execute("UPDATE projects SET ticket_counter = $2 WHERE id = $1", project_id, tickets)
    await conn.copy_records_to_table(
        "messages",
        records=message_rows,
        columns=(
            "id",
            "ticket_id",
            "project_id",
            "author",
            "text",
            "internal",
            "attachments",
            "source",
            "created_at",
        ),
    )


def pct(latencies: list[float], p: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def measure_query(
    session: aiohttp.ClientSession,
    conn: asyncpg.Connection,
    api_url: str,
    project_id: uuid.UUID,
    query: str,
    seconds: float,
    rounds: int,
) -> tuple[int, bool, list[float], list[float], list[float]]:
    """(total, any word cached?, API latencies, the API's statement bare, the plain statement
    bare: measured apart only when a word is cached) of one query, in rounds."""
    from services.ticket_queries import SUMMARY_COLUMNS, SUMMARY_JOINS

    terms = search.query_terms(query)
    # the API's plan, from the same reads: each word's cache (search_words), the lead word
    # from cached totals and the planner's estimates (the same EXPLAINs)
    words: dict[int, Any] = {}
    for n, term in enumerate(terms):
        row = await conn.fetchrow(
            "SELECT id, clean_before, total FROM search_words WHERE project_id = $1"
            " AND term = $2 AND clean_before IS NOT NULL",
            project_id,
            term,
        )
        if row is not None:
            words[n] = row
    estimates = [
        search_sql.planned_rows(await conn.fetchval(search_sql.estimate_statement(term)))
        for term in terms
    ]
    plain_lead = search_sql.choose_lead(estimates) if len(terms) > 1 else None
    plain, values = search_sql.search_statement(
        terms, ["t.project_id = $1"], 1, SUMMARY_COLUMNS, postgres=True, lead=plain_lead
    )
    plain_args = [project_id, *values, 50, 0]
    if len(terms) == 1 and words:
        statement = word_sql.word_page_statement(SUMMARY_COLUMNS, SUMMARY_JOINS)
        word = words[0]
        args = [project_id, word["id"], word["clean_before"], search_sql.prefix_value(terms[0])]
        args += [50, 0]
    elif words:
        sizes = [float(words[n]["total"]) if n in words else e for n, e in enumerate(estimates)]
        statement, values = search_sql.search_statement(
            terms,
            ["t.project_id = $1"],
            1,
            SUMMARY_COLUMNS,
            postgres=True,
            lead=search_sql.choose_lead(sizes, cached=set(words)),
            words={n: (w["id"], w["clean_before"]) for n, w in words.items()},
        )
        args = [project_id, *values, 50, 0]
    else:
        statement, args = plain, plain_args
    word = words or None
    totals: list[int] = []

    async def via_api() -> None:
        params = {"q": query, "limit": "50"}
        async with session.get(f"{api_url}/v1/helpdesk/tickets", params=params) as response:
            assert response.status == 200, await response.text()
            totals.append((await response.json())["total"])

    async def run_bare(text: str, values: list[Any]) -> None:
        async with conn.transaction():  # as the API runs it: without parallel workers
            await conn.execute(search_sql.SERIAL)
            await conn.fetch(text, *values)

    async def bare() -> None:
        await run_bare(statement, args)

    async def bare_plain() -> None:
        await run_bare(plain, plain_args)

    targets: list[tuple[Any, list[float]]] = [(via_api, []), (bare, [])]
    if word is not None:
        targets.append((bare_plain, []))
    for call, _ in targets:  # warm up each (plans, caches)
        await call()
    for _ in range(rounds):
        for call, times in targets:
            stop = time.perf_counter() + seconds / rounds
            while time.perf_counter() < stop:
                began = time.perf_counter()
                await call()
                times.append(time.perf_counter() - began)
    plain_times = targets[2][1] if word is not None else []
    return totals[0], word is not None, targets[0][1], targets[1][1], plain_times


async def ask_once(api_url: str, key: str) -> None:
    """Each query once, as a user would: a common word searched alone is asked for."""
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for _, query in QUERIES:
            params = {"q": query, "limit": "50"}
            async with session.get(f"{api_url}/v1/helpdesk/tickets", params=params) as response:
                assert response.status == 200, await response.text()


def timed_cli(*args: str, env: dict[str, str]) -> tuple[Any, float]:
    began = time.perf_counter()
    result = cli(*args, env=env)
    return result, time.perf_counter() - began


async def measure_queries(
    url: str, api_url: str, key: str, project_id: uuid.UUID, seconds: float, rounds: int
) -> list[tuple[str, str, int, bool, list[float], list[float], list[float]]]:
    """Per query: (class, query, total, cached?, API, the API's statement, plain statement)."""
    results = []
    conn = await asyncpg.connect(url)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        async with aiohttp.ClientSession(headers=headers) as session:
            for label, query in QUERIES:
                measured = await measure_query(
                    session, conn, api_url, project_id, query, seconds, rounds
                )
                results.append((label, query, *measured))
    finally:
        await conn.close()
    return results


async def measure_inserts(url: str) -> dict[str, tuple[float, float]]:
    """Single-row INSERT times (ms; mean, median) into two copies of `messages` made alike
    (same rows, columns, defaults and other indexes, both freshly written), one with the
    search index and one without: the difference is the index alone, not how the seeded
    table happens to lie on disk (that alone made `messages` ~8 % slower than a fresh copy)."""
    migration = _search_migration()
    conn = await asyncpg.connect(url)
    try:
        for table in COPIES:
            await conn.execute(f"DROP TABLE IF EXISTS {table}")
            await conn.execute(
                f"CREATE TABLE {table}"
                " (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)"
            )
            for row in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE tablename = $1"
                " AND indexdef ILIKE '%USING gin%'",
                table,
            ):
                await conn.execute(f'DROP INDEX "{row["indexname"]}"')
            await conn.execute(f"INSERT INTO {table} SELECT * FROM messages")
        await conn.execute(
            f"CREATE INDEX ON {COPIES[0]} USING gin ({migration.MESSAGE_VECTOR})"
            f" {migration.GIN_OPTIONS}"
        )
        for table in COPIES:
            await conn.execute(f"VACUUM ANALYZE {table}")
        tickets = [
            (r["id"], r["project_id"])
            for r in await conn.fetch("SELECT id, project_id FROM tickets LIMIT 1000")
        ]
        rng = random.Random(7)
        slots, weights = vocabulary(random.Random(15))
        timings: dict[str, list[float]] = {table: [] for table in COPIES}
        statements = {
            table: f"INSERT INTO {table} (id, ticket_id, project_id, author, text, internal,"
            " attachments, source, created_at)"
            " VALUES ($1, $2, $4, 'agent', $3, false, '[]', 'api', now())"
            for table in timings
        }
        # one insert into each table in turn: a burst of load or a checkpoint then falls on
        # both sides alike (alternating in rounds of a thousand let it land on one side)
        for _ in range(INSERTS):
            for table, times in timings.items():
                ticket_id, project_id = rng.choice(tickets)
                row = (uuid.uuid4(), ticket_id, text(rng, slots, weights), project_id)
                began = time.perf_counter()
                await conn.execute(statements[table], *row)
                times.append(time.perf_counter() - began)
        for table in COPIES:
            await conn.execute(f"DROP TABLE {table}")
    finally:
        await conn.close()
    return {
        table: (statistics.mean(times) * 1000, statistics.median(times) * 1000)
        for table, times in timings.items()
    }


async def main(args: argparse.Namespace) -> None:
    await recreate_database(args.database_url)
    pooled = f"{args.database_url}?minsize=1&maxsize={POOL_SIZE}"
    env = {**os.environ, "DATABASE_URL": pooled, "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("MAX_BOT_TOKEN", None)
    subprocess.run([HELPDESK, "migrate"], env=env, check=True, capture_output=True)  # noqa: ASYNC221
    project = cli("project", "create", "--name", "Search bench", env=env)
    cli("project", "update", project["id"], "--rate-limit", "100000000", env=env)
    other = cli("project", "create", "--name", "Other tenant", env=env)
    started = time.perf_counter()
    # another tenant's tickets with the same words: searched past, never found
    await seed(
        args.database_url,
        [(uuid.UUID(project["id"]), args.tickets), (uuid.UUID(other["id"]), args.tickets // 10)],
    )
    print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    port = _free_port()
    cmd = [HELPDESK, "serve", "--role", "api", "--host", "127.0.0.1", "--port", str(port)]
    async with server(cmd, env, port) as api_url:
        await ask_once(api_url, project["api_key"])
        # what the workers' next tick does; then again with nothing due (the CLI's own start)
        built, build_seconds = timed_cli("search", "refresh", env=env)
        _, idle_seconds = timed_cli("search", "refresh", env=env)
        refreshed, refresh_seconds = timed_cli("search", "refresh", "--all", env=env)
        queries = await measure_queries(
            args.database_url,
            api_url,
            project["api_key"],
            uuid.UUID(project["id"]),
            args.seconds,
            args.rounds,
        )
    inserts = await measure_inserts(args.database_url)

    print(
        f"\n{args.tickets:,} tickets, {args.tickets * MESSAGES_PER_TICKET:,} messages "
        f"(+ {args.tickets // 10:,} tickets of another project); one client\n"
    )
    print(
        f"word cache: {built['built']} words built in {build_seconds - idle_seconds:.1f} s,"
        f" refreshed ({refreshed['refreshed']}, nothing changed) in"
        f" {refresh_seconds - idle_seconds:.2f} s (CLI times less its {idle_seconds:.1f} s"
        " with nothing due)\n"
    )
    print(
        "| query | matches | API p50 / p99 ms | the API's SQL bare p50 / p99 ms"
        " | plain SQL (no word cache) p50 / p99 ms |"
    )
    print("|---|---|---|---|---|")
    for label, query, total, cached, api_times, sql_times, plain_times in queries:
        plain = (
            f"{pct(plain_times, 0.5):.1f} / {pct(plain_times, 0.99):.1f}" if cached else "same"
        )
        print(
            f"| {label}: `{query}`{' (cached words)' if cached else ''} | {total:,}"
            f" | {pct(api_times, 0.5):.1f} / {pct(api_times, 0.99):.1f}"
            f" | {pct(sql_times, 0.5):.1f} / {pct(sql_times, 0.99):.1f} | {plain} |"
        )
    print(f"\n| message INSERT, {INSERTS:,} each, alternating | mean ms | median ms |")
    print("|---|---|---|")
    base_mean, base_median = inserts[COPIES[1]]
    mean, median = inserts[COPIES[0]]
    print(f"| without the search index | {base_mean:.3f} | {base_median:.3f} |")
    print(
        f"| with the search index | {mean:.3f} ({mean / base_mean - 1:+.1%})"
        f" | {median:.3f} ({median / base_median - 1:+.1%}) |"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB, help="recreated on every run")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=6.0, help="per query and target")
    parser.add_argument("--rounds", type=int, default=3, help="alternations")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
