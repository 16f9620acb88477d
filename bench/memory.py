"""Memory (RSS) of `helpdesk serve` per role, with and without bot tokens, after 1,000 requests,
beside a bare aiohttp process and a bare aiogram process measured in the same run.

    .venv/bin/python -m bench.memory                 # ~2 min
    .venv/bin/python -m bench.memory --requests 200  # quicker

Every process is a fresh interpreter on a temp SQLite database (migrated once, one project).
Tokens point at a fake Bot API and a fake MAX server started by this script on loopback
(tests/fakes): a bot long-polls them, nothing leaves the machine. Each process first serves
`--requests` requests (roles with the REST API: half ticket creations, half ticket lists;
the others /readyz), then its VmRSS is read from /proc. The processes run one after another,
so their own load does not mix.

The bare aiohttp process is an aiohttp app answering /healthz; the bare aiogram process is the
same app after `import aiogram` and building `Bot` + `Dispatcher` (what any Telegram bot
holds before its own code).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
TARGET_LEAN_MB = 80  # role all / api without a bot token (issue 13)
TARGET_BOT_RATIO = 1.3  # a process with a Telegram bot vs the bare aiogram process

BARE = """
import sys
from aiohttp import web
if sys.argv[1] == "aiogram":
    from aiogram import Bot, Dispatcher
    bot, dp = Bot("123456:abc"), Dispatcher()

async def healthz(request):
    return web.json_response({"status": "ok"})

app = web.Application()
app.router.add_get("/healthz", healthz)
app.router.add_get("/readyz", healthz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[2]), print=None)
"""


@dataclass
class Row:
    name: str
    rss_mb: float
    note: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MB
    raise RuntimeError("no VmRSS")


def cli(env: dict[str, str], *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "helpdesk", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout) if done.stdout.strip() else {}


async def wait_ready(url: str, proc: subprocess.Popen[bytes], within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                async with http.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {within} s")


async def drive(url: str, requests: int, api_key: str | None) -> int:
    """`requests` requests, 8 at a time; returns how many were not answered 2xx."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    errors = 0
    queue = iter(range(requests))

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        for i in queue:
            if api_key is None:
                call = http.get(url + "/readyz")
            elif i % 2:
                call = http.get(url + "/v1/helpdesk/tickets", params={"limit": "20"})
            else:
                body = {"text": f"Memory bench {i}", "subject": "bench"}
                call = http.post(url + "/v1/helpdesk/tickets", json=body)
            async with call as response:
                await response.read()
                errors += response.status >= 300

    async with aiohttp.ClientSession(headers=headers) as http:
        await asyncio.gather(*(client(http) for _ in range(8)))
    return errors


async def measure(
    name: str, cmd: list[str], env: dict[str, str], port: int, requests: int, key: str | None
) -> Row:
    log = open(env["HD_BENCH_LOG"], "ab")  # noqa: ASYNC230 - closed below, after the process
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, the bench waits for it anyway
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, proc)
        errors = await drive(url, requests, key)
        await asyncio.sleep(0.5)  # a bot's first poll, the workers' first rounds
        return Row(name, rss_mb(proc.pid), f"{errors} errors" if errors else "")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def main(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.max import DEFAULT_TOKEN as MAX_TOKEN
    from tests.fakes.max import FakeMax
    from tests.fakes.telegram import DEFAULT_TOKEN as TG_TOKEN
    from tests.fakes.telegram import FakeTelegram

    tmp = Path(tempfile.mkdtemp(prefix="hd-memory-"))
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "MAX_", "REDIS_", "DATABASE_"))
    }
    base_env |= {
        "DATABASE_URL": f"sqlite://{tmp / 'memory.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        "HD_BENCH_LOG": str(tmp / "servers.log"),  # the servers' stderr, for a failed run
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cli(base_env, "migrate")
    project = cli(base_env, "project", "create", "--name", "Memory bench")
    cli(base_env, "project", "update", str(project["id"]), "--rate-limit", "0")
    api_key = str(project["api_key"])

    rows: list[Row] = []
    async with FakeTelegram() as tg, FakeMax() as mx:
        telegram = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE": tg.base_url}
        max_bot = {"MAX_BOT_TOKEN": MAX_TOKEN, "MAX_API_BASE": mx.base_url}
        tokens = {"no token": {}, "Telegram": telegram, "Telegram + MAX": telegram | max_bot}
        for bare in ("aiohttp", "aiogram"):
            port = free_port()
            cmd = [sys.executable, "-c", BARE, bare, str(port)]
            rows.append(await measure(f"bare {bare}", cmd, base_env, port, args.requests, None))
            print(f"  {rows[-1]}", file=sys.stderr)
        for role in ("all", "api", "workers", "bots"):
            for label, extra in tokens.items():
                port = free_port()
                cmd = [sys.executable, "-m", "helpdesk", "serve", "--role", role, "--port",
                       str(port)]  # fmt: skip
                key = api_key if role in ("all", "api") else None
                row = await measure(
                    f"--role {role}, {label}", cmd, base_env | extra, port, args.requests, key
                )
                rows.append(row)
                print(f"  {row}", file=sys.stderr)
    print(table(rows, args.requests))


def table(rows: list[Row], requests: int) -> str:
    by_name = {r.name: r for r in rows}
    aiogram = by_name["bare aiogram"].rss_mb
    lines = [
        f"RSS after {requests:,} requests (MB; ratio to the bare aiogram process)",
        "",
        "| process | RSS MB | × bare aiogram | notes | target |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        target = ""
        if row.name in ("--role all, no token", "--role api, no token"):
            ok = row.rss_mb <= TARGET_LEAN_MB
            target = f"≤ {TARGET_LEAN_MB} MB: {'met' if ok else 'NOT met'}"
        elif "Telegram" in row.name and "workers" not in row.name and "api" not in row.name:
            ok = row.rss_mb <= TARGET_BOT_RATIO * aiogram
            target = f"≤ {TARGET_BOT_RATIO}× bare aiogram: {'met' if ok else 'NOT met'}"
        lines.append(
            f"| {row.name} | {row.rss_mb:.0f} | {row.rss_mb / aiogram:.2f} | {row.note} "
            f"| {target} |"
        )
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="served before measuring")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
