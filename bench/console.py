"""Console inbox benchmark on PostgreSQL: 100,000 tickets, one client, beside the REST list.

    .venv/bin/python -m bench.console                  # ~1 min
    .venv/bin/python -m bench.console --seconds 3      # quicker, noisier

Recreates `--database-url` (default hdbench_console), migrates it, creates a project with
`helpdesk project create`, seeds 100,000 tickets in one statement (bench.api.seed_tickets),
signs in with `helpdesk console link`, starts `helpdesk serve --role api` and drives it with
one client, alternating the scenarios in rounds so that other load on the machine falls on
all of them alike: the REST list (limit 50, with its total) — the baseline of this run — and
the console's inbox (first page, a status filter, a page 1,600 pages deep, assignee
"unassigned") and its live-refresh poll. Server time is the page's own `Server-Timing`
(measured in the console middleware: session lookup, queries, rendering); latency is what
the client saw on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.api import (
    DEFAULT_REDIS,
    HELPDESK,
    LIST_TICKETS,
    POOL_SIZE,
    _free_port,
    cli,
    recreate_database,
    seed_tickets,
    server,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hdbench_console"
TARGET_P99_MS = 50.0


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    errors: int = 0

    @staticmethod
    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def _server_time(response: aiohttp.ClientResponse) -> float | None:
    timing = response.headers.get("Server-Timing", "")
    _, found, duration = timing.partition("dur=")
    return float(duration) if found else None


async def drive(session: aiohttp.ClientSession, url: str, headers: dict[str, str],
                seconds: float, samples: Samples) -> None:
    stop = time.perf_counter() + seconds
    while (start := time.perf_counter()) < stop:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            await response.read()
            if response.status != 200:
                samples.errors += 1
                continue
            server_ms = _server_time(response)
        samples.latencies.append((time.perf_counter() - start) * 1000)
        if server_ms is not None:
            samples.server.append(server_ms)


async def sign_in(base: str, env: dict[str, str], project_id: str) -> str:
    link = cli("console", "link", "--project", project_id, env=env)
    url = base + link["url"][link["url"].index("/console/"):]
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as r:
        assert r.status == 303, r.status
        return r.cookies["hd_console"].value


async def main(args: argparse.Namespace) -> None:
    await recreate_database(args.database_url)
    pooled = f"{args.database_url}?minsize=1&maxsize={POOL_SIZE}"
    env = {**os.environ, "DATABASE_URL": pooled, "LOG_LEVEL": "WARNING"}
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("MAX_BOT_TOKEN", None)
    subprocess.run([HELPDESK, "migrate"], env=env, check=True, capture_output=True)  # noqa: ASYNC221
    project = cli("project", "create", "--name", "Bench console", env=env)
    cli("project", "update", project["id"], "--rate-limit", "100000000", env=env)
    await seed_tickets(args.database_url, project["id"], LIST_TICKETS)

    port = _free_port()
    cmd = [HELPDESK, "serve", "--role", "api", "--host", "127.0.0.1", "--port", str(port)]
    async with server(cmd, env, port) as base:
        cookie = await sign_in(base, env, project["id"])
        console = {"Cookie": f"hd_console={cookie}"}
        rest = {"Authorization": f"Bearer {project['api_key']}"}
        deep = LIST_TICKETS - 1_600 * 50
        plan: list[tuple[str, str, dict[str, str]]] = [
            ("REST list (limit 50, total)", "/v1/helpdesk/tickets?limit=50", rest),
            ("console inbox, first page", "/console", console),
            ("console inbox, status=waiting", "/console?status=waiting", console),
            (f"console inbox, before={deep}", f"/console?before={deep}", console),
            ("console inbox, unassigned", "/console?assignee=unassigned", console),
            ("console live-refresh poll", "/console/inbox.json", console),
        ]
        results = {name: Samples() for name, _, _ in plan}
        async with aiohttp.ClientSession() as session:
            for _name, path, headers in plan:  # warm-up: pools, caches, plans
                await drive(session, base + path, headers, 0.5, Samples())
            for _ in range(args.rounds):
                for name, path, headers in plan:
                    await drive(session, base + path, headers, args.seconds / args.rounds,
                                results[name])
                print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(table(results))


def table(results: dict[str, Samples]) -> str:
    lines = [
        f"{LIST_TICKETS:,} tickets, 1 client, PostgreSQL",
        "",
        "| scenario | requests | latency p50 / p99 ms | server time p50 / p99 ms |",
        "|---|---|---|---|",
    ]
    verdicts = []
    for name, s in results.items():
        pct = Samples.pct
        server_cell = (
            f"{pct(s.server, 0.5):.1f} / {pct(s.server, 0.99):.1f}" if s.server else "—"
        )
        lines.append(
            f"| {name} | {len(s.latencies)} | {pct(s.latencies, 0.5):.1f} / "
            f"{pct(s.latencies, 0.99):.1f} | {server_cell} |"
        )
        if s.server:
            verdicts.append(pct(s.server, 0.99) <= TARGET_P99_MS)
    errors = sum(s.errors for s in results.values())
    met = "met" if verdicts and all(verdicts) else "NOT met"
    lines.append(f"\nconsole p99 server time ≤ {TARGET_P99_MS:.0f} ms: {met} (errors: {errors})")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB, help="recreated on every run")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help='"" for in-memory counters')
    parser.add_argument("--seconds", type=float, default=8.0, help="per scenario")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the scenarios")
    return parser.parse_args()


def run(arguments: Any = None) -> None:
    asyncio.run(main(arguments or parse_args()))


if __name__ == "__main__":
    run()
