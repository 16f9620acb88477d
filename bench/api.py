"""REST API benchmark on PostgreSQL, beside a bare aiohttp + asyncpg baseline in the same run.

    .venv/bin/python -m bench.api                  # full run, ~2 min
    .venv/bin/python -m bench.api --seconds 3      # quicker, noisier

What it does: recreates the database `--database-url` (default hdbench), migrates it with
`helpdesk migrate`, creates a project with `helpdesk project create` and raises its rate limit
with `helpdesk project update --rate-limit` (high, not 0, so the limiter still runs), starts
`helpdesk serve --role api` and the baseline (this module with `--serve-baseline`) as separate
processes with the same pool size, then drives both with concurrent clients: create ticket
(1, 8, 64 clients), agent reply (8), get ticket (8), and list (limit 50, with total) in a
project holding 100,000 tickets (1 client). Both servers are up together and each scenario
alternates between them (`--rounds`), so other load on the machine falls on both alike.
The baseline runs the same SQL by hand: the API-key lookup (prefix + constant-time hash
compare), then the same inserts in one transaction (or the same selects) — without the
rate limiter, request validation, the ORM or the middleware chain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
from aiohttp import web

HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hdbench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
LIST_TICKETS = 100_000
POOL_SIZE = 10


# ---- the baseline: bare aiohttp + asyncpg, the same rows in one transaction ---------------


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _summary(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "ticket_number": row["number"],
        "status": row["status"],
        "priority": row["priority"],
        "channel": row["channel"],
        "ticket_type_id": None,
        "ticket_type_name": None,
        "subject": row["subject"],
        "assignee": None,
        "subscriber_id": None,
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


async def _event(conn: asyncpg.Connection, project_id: str, ticket: dict[str, Any], name: str,
                 now: datetime, **data: Any) -> None:
    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "event": name, "occurred_at": _iso(now),
               "project_id": project_id, "data": {"ticket": ticket, **data}}
    await conn.execute(
        "INSERT INTO outbox_events (id, project_id, ticket_id, seq, event, payload, occurred_at,"
        " status, attempts, next_attempt_at) VALUES ($1,$2,$3,$4,$5,$6,$7,'pending',0,$7)",
        event_id, uuid.UUID(project_id), uuid.UUID(ticket["id"]),
        int(now.timestamp() * 1_000_000), name, json.dumps(payload), now,
    )


async def _authenticate(conn: asyncpg.Connection, request: web.Request) -> uuid.UUID:
    """The same key lookup as the API: by prefix, then a constant-time hash comparison."""
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ")
    row = await conn.fetchrow(
        "SELECT project_id, key_hash, revoked_at FROM api_keys WHERE prefix = $1", raw[:16])
    digest = hashlib.sha256(raw.encode()).hexdigest()
    if row is None or row["revoked_at"] is not None or not hmac.compare_digest(
        row["key_hash"], digest
    ):
        raise web.HTTPUnauthorized()
    return uuid.UUID(str(row["project_id"]))


def baseline_app(database_url: str) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)

    async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
        app["pool"] = await asyncpg.create_pool(database_url, min_size=1, max_size=POOL_SIZE)
        yield
        await app["pool"].close()

    async def create(request: web.Request) -> web.Response:
        body = await request.json()
        now = datetime.now(UTC)
        async with request.app["pool"].acquire() as conn:
            pid = await _authenticate(conn, request)
            async with conn.transaction():
                number = await conn.fetchval(
                    "UPDATE projects SET ticket_counter = ticket_counter + 1 WHERE id = $1"
                    " RETURNING ticket_counter", pid)
                row = await conn.fetchrow(
                    "INSERT INTO tickets (id, project_id, number, subject, status, priority,"
                    " channel, created_at, updated_at, last_customer_message_at)"
                    " VALUES ($1,$2,$3,$4,'new','normal','virtual',$5,$5,$5) RETURNING *",
                    uuid.uuid4(), pid, number, body.get("subject"), now)
                message_id = uuid.uuid4()
                await conn.execute(
                    "INSERT INTO messages (id, ticket_id, project_id, author, text, internal,"
                    " attachments, source, created_at)"
                    " VALUES ($1,$2,$5,'customer',$3,false,'[]','api',$4)",
                    message_id, row["id"], body["text"], now, pid)
                ticket = _summary(row)
                await _event(conn, str(pid), ticket, "ticket.created", now,
                             message={"id": str(message_id), "text": body["text"]})
        return web.json_response(ticket, status=201)

    async def reply(request: web.Request) -> web.Response:
        body = await request.json()
        now = datetime.now(UTC)
        tid = uuid.UUID(request.match_info["id"])
        async with request.app["pool"].acquire() as conn:
            pid = await _authenticate(conn, request)
            async with conn.transaction():
                row = await conn.fetchrow(
                    "SELECT * FROM tickets WHERE id = $1 AND project_id = $2 FOR UPDATE",
                    tid, pid)
                if row is None:
                    raise web.HTTPNotFound()
                message_id = uuid.uuid4()
                await conn.execute(
                    "INSERT INTO messages (id, ticket_id, project_id, author, text, internal,"
                    " attachments, source, created_at)"
                    " VALUES ($1,$2,$5,'agent',$3,false,'[]','api',$4)",
                    message_id, tid, body["text"], now, pid)
                row = await conn.fetchrow(
                    "UPDATE tickets SET status='waiting', updated_at=$2,"
                    " last_agent_message_at=$2, first_response_at=COALESCE(first_response_at,"
                    " $2) WHERE id=$1 RETURNING *", tid, now)
                ticket = _summary(row)
                message = {"id": str(message_id), "author": "agent", "text": body["text"],
                           "internal": False, "agent_id": None, "created_at": _iso(now),
                           "attachments": []}
                await _event(conn, str(pid), ticket, "ticket.replied", now, message=message)
                await _event(conn, str(pid), ticket, "ticket.status_changed", now,
                             **{"from": "new", "to": "waiting"})
        return web.json_response(message, status=201)

    async def get_ticket(request: web.Request) -> web.Response:
        tid = uuid.UUID(request.match_info["id"])
        async with request.app["pool"].acquire() as conn:
            pid = await _authenticate(conn, request)
            row = await conn.fetchrow(
                "SELECT * FROM tickets WHERE id = $1 AND project_id = $2", tid, pid)
            messages = await conn.fetch(
                "SELECT * FROM messages WHERE ticket_id = $1 ORDER BY created_at, id", tid)
        return web.json_response({**_summary(row), "messages": [
            {"id": str(m["id"]), "author": m["author"], "text": m["text"],
             "created_at": _iso(m["created_at"])} for m in messages]})

    async def list_tickets(request: web.Request) -> web.Response:
        async with request.app["pool"].acquire() as conn:
            pid = await _authenticate(conn, request)
            # the same two queries as the API: the gap-free counter is the total
            total = await conn.fetchval("SELECT ticket_counter FROM projects WHERE id = $1", pid)
            rows = await conn.fetch(
                "SELECT t.*, tt.name AS type_name, a.name AS agent_name FROM tickets t"
                " LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id"
                " LEFT JOIN agents a ON a.id = t.assignee_id"
                " WHERE t.project_id = $1 ORDER BY t.created_at DESC, t.number DESC LIMIT 50",
                pid)
        return web.json_response({"tickets": [_summary(r) for r in rows], "total": total,
                                  "limit": 50, "offset": 0})

    app.cleanup_ctx.append(pool_ctx)
    app.router.add_post("/v1/helpdesk/tickets", create)
    app.router.add_get("/v1/helpdesk/tickets", list_tickets)
    app.router.add_get("/v1/helpdesk/tickets/{id}", get_ticket)
    app.router.add_post("/v1/helpdesk/tickets/{id}/reply", reply)
    return app


# ---- orchestration -----------------------------------------------------------------------
# (ruff's ASYNC22x: the blocking subprocess calls below run before and between the timed
# phases, never while the load is measured)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def cli(*args: str, env: dict[str, str]) -> Any:
    out = subprocess.run([HELPDESK, *args], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout) if out.stdout.strip() else None


async def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(_with_db(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def seed_tickets(url: str, project_id: str, count: int) -> None:
    """100,000 tickets in one statement (the API would take minutes to make them)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO tickets (id, project_id, number, subject, status, priority, channel,"
            " created_at, updated_at)"
            " SELECT md5(random()::text || n)::uuid, $1, n, 'Seeded ticket ' || n,"
            " (ARRAY['new','open','in_progress','waiting','closed'])[1 + n % 5], 'normal',"
            " 'virtual', now() - (($2 - n) || ' seconds')::interval, now()"
            " FROM generate_series(1, $2) AS n", uuid.UUID(project_id), count)
        await conn.execute("UPDATE projects SET ticket_counter = $2 WHERE id = $1",
                           uuid.UUID(project_id), count)
        await conn.execute("VACUUM ANALYZE tickets")  # as autovacuum would leave it
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def server(cmd: list[str], env: dict[str, str], port: int) -> AsyncIterator[str]:
    log = tempfile.TemporaryFile()  # not a pipe: nobody drains it while the load runs
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: ASYNC220
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(base + "/healthz") as response:
                        if response.status in (200, 404):
                            break
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode(errors="replace"))
                await asyncio.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


Call = Callable[[aiohttp.ClientSession, int], Awaitable[Any]]


async def drive(call: Call, clients: int, seconds: float, warmup: float = 1.0) -> Result:
    """`clients` loops calling as fast as answers come; latencies after the warm-up count."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds
    connector = aiohttp.TCPConnector(limit=clients)

    async def loop(worker: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        i = 0
        while (now := time.perf_counter()) < stop:
            try:
                await call(session, worker * 1_000_000 + i)
            except AssertionError:
                errors += 1
            done = time.perf_counter()
            if now >= measure_from:
                latencies.append(done - now)
            i += 1

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(loop(w, session) for w in range(clients)))
    return Result(len(latencies), seconds, latencies, errors)


def scenarios(base: str, key: str, ticket_ids: list[str], created: list[str]
              ) -> dict[str, Call]:
    headers = {"Authorization": f"Bearer {key}"}

    async def create(session: aiohttp.ClientSession, i: int) -> None:
        async with session.post(f"{base}/v1/helpdesk/tickets", headers=headers,
                                json={"text": f"Bench ticket {i}", "subject": "bench"}) as r:
            assert r.status == 201, await r.text()
            created.append((await r.json())["id"])

    async def reply(session: aiohttp.ClientSession, i: int) -> None:
        tid = random.choice(ticket_ids)
        async with session.post(f"{base}/v1/helpdesk/tickets/{tid}/reply", headers=headers,
                                json={"text": f"Agent answer {i}"}) as r:
            assert r.status == 201, await r.text()
            await r.read()

    async def get(session: aiohttp.ClientSession, i: int) -> None:
        tid = random.choice(ticket_ids)
        async with session.get(f"{base}/v1/helpdesk/tickets/{tid}", headers=headers) as r:
            assert r.status == 200, await r.text()
            await r.read()

    async def list_(session: aiohttp.ClientSession, i: int) -> None:
        async with session.get(f"{base}/v1/helpdesk/tickets", headers=headers,
                               params={"limit": "50"}) as r:
            assert r.status == 200, await r.text()
            await r.read()

    return {"create": create, "reply": reply, "get": get, "list": list_}


PLAN = [("create", 1), ("create", 8), ("create", 64), ("reply", 8), ("get", 8), ("list", 1)]


@dataclass
class Target:
    name: str
    base: str
    key: str
    list_key: str
    created: list[str]

    def call(self, scenario: str) -> Call:
        if scenario == "list":
            return scenarios(self.base, self.list_key, [], [])[scenario]
        return scenarios(self.base, self.key, self.created, self.created)[scenario]


def merge(results: list[Result]) -> Result:
    return Result(
        sum(r.requests for r in results),
        sum(r.seconds for r in results),
        [x for r in results for x in r.latencies],
        sum(r.errors for r in results),
    )


async def run_plan(targets: list[Target], seconds: float, rounds: int
                   ) -> dict[str, dict[tuple[str, int], Result]]:
    """Both servers are up; each scenario alternates between them, so that load from other
    processes on the machine falls on both sides alike."""
    results: dict[str, dict[tuple[str, int], Result]] = {t.name: {} for t in targets}
    for scenario, clients in PLAN:
        runs: dict[str, list[Result]] = {t.name: [] for t in targets}
        for _ in range(rounds):
            for target in targets:
                runs[target.name].append(
                    await drive(target.call(scenario), clients, seconds / rounds)
                )
        line = []
        for target in targets:
            results[target.name][(scenario, clients)] = merged = merge(runs[target.name])
            line.append(f"{target.name} {merged.rps:7.0f} req/s")
        print(f"  {scenario:7} x{clients:<3} " + "  ".join(line), file=sys.stderr)
    return results


def table(ours: dict[tuple[str, int], Result], base: dict[tuple[str, int], Result]) -> str:
    lines = [
        "| scenario | clients | API req/s | baseline req/s | ratio | API p50 / p99 ms "
        "| baseline p50 / p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, clients in PLAN:
        a, b = ours[(name, clients)], base[(name, clients)]
        label = "list (100k tickets)" if name == "list" else name
        lines.append(
            f"| {label} | {clients} | {a.rps:,.0f} | {b.rps:,.0f} | {a.rps / b.rps:.2f}x "
            f"| {a.pct(0.5):.1f} / {a.pct(0.99):.1f} | {b.pct(0.5):.1f} / {b.pct(0.99):.1f} |"
        )
    errors = sum(r.errors for r in [*ours.values(), *base.values()])
    lines.append(f"\n(errors during the run: {errors})")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    await recreate_database(args.database_url)
    pooled = f"{args.database_url}?minsize=1&maxsize={POOL_SIZE}"
    env = {**os.environ, "DATABASE_URL": pooled, "LOG_LEVEL": "WARNING"}
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("MAX_BOT_TOKEN", None)
    subprocess.run([HELPDESK, "migrate"], env=env, check=True, capture_output=True)  # noqa: ASYNC221
    project = cli("project", "create", "--name", "Bench", env=env)
    listing = cli("project", "create", "--name", "Bench list", env=env)
    for p in (project, listing):  # high rather than 0, so the limiter's cost is measured
        cli("project", "update", p["id"], "--rate-limit", "100000000", env=env)
    baseline_project = cli("project", "create", "--name", "Baseline", env=env)
    await seed_tickets(args.database_url, listing["id"], LIST_TICKETS)

    api_port, base_port = _free_port(), _free_port()
    api_cmd = [HELPDESK, "serve", "--role", "api", "--host", "127.0.0.1",
               "--port", str(api_port)]
    base_cmd = [sys.executable, "-m", "bench.api", "--serve-baseline", str(base_port),
                "--database-url", args.database_url]
    async with server(api_cmd, env, api_port) as api_url, \
            server(base_cmd, env, base_port) as base_url:
        results = await run_plan(
            [
                Target("api", api_url, project["api_key"], listing["api_key"], []),
                Target("baseline", base_url, baseline_project["api_key"], listing["api_key"], []),
            ],
            args.seconds,
            args.rounds,
        )
    print(table(results["api"], results["baseline"]))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB, help="recreated on every run")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help='"" for in-memory counters')
    parser.add_argument("--seconds", type=float, default=8.0, help="per scenario and server")
    parser.add_argument("--rounds", type=int, default=4, help="alternations per scenario")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_baseline:
        web.run_app(baseline_app(arguments.database_url), host="127.0.0.1",
                    port=arguments.serve_baseline, access_log=None, print=None)
    else:
        asyncio.run(main(arguments))
