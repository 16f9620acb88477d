"""Telegram customer bot benchmark: customer messages into open ticket threads, fed through the
webhook route, beside a bare aiogram echo handler in the same run (on demand, not a test).

    .venv/bin/python -m bench.bot                                  # temp SQLite, ~1 min
    .venv/bin/python -m bench.bot --database-url postgres://postgres@127.0.0.1:5432/hd_bench_bot
    flags: --count N (updates per concurrency level and server), --concurrency 1,8,32,
           --rounds R (alternations per level), --redis-url URL (FSM + update dedup in Redis;
           that database is emptied first: chat and update ids repeat from run to run)

What it does: migrates the database (`helpdesk migrate`; a PostgreSQL database must exist,
each run adds its own project), creates a project and binds an agent forum chat to it (so
every customer message also queues an `agent_event` row for the agent group), starts
`FakeTelegram` in this process, then two servers as separate processes, both with
`TELEGRAM_API_BASE` at the fake and the same webhook secret:
- the helpdesk: `helpdesk serve --role bots` (`create_app(settings, role="bots")`) in webhook
  mode, so `/bot/telegram/webhook` is live (the real aiogram Bot, the product Dispatcher);
- the baseline (this module with `--serve-baseline`): the same `TelegramWebhook` route
  machinery (secret check, update_id dedup, handled before the 200) over a Dispatcher with
  one message handler that calls `message.answer(text)`.
Each customer chat is walked through the real flow over the webhook (`/start help_<slug>`,
Subscribe, New ticket, a description, Send), which leaves its ticket thread open. Then, per
concurrency level C, C chats each post messages one after another (a chat's updates are
serialised by the dialog's event isolation, as with Telegram), alternating between the two
servers in rounds so that other load on the machine falls on both alike. A request's latency
is POST to 200 (the update is handled, the answer sent to the fake, before the 200). At the
end the helpdesk's rows are counted: each measured update must have become one customer
Message, one ticket.replied OutboxEvent and one agent_event OutboundMessage, and the
customer's message must have got its 👌 receipt (`setMessageReaction`) — the thread window is
sent again only when its status changes, which these messages never do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.telegram import FakeTelegram

HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
PATH = "/bot/telegram/webhook"
SECRET = "bench-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOKEN = "123456:BENCHtoken"
AGENT_CHAT = -100_777_000_001
POOL_SIZE = 10
HELPDESK_CHATS = 10_000  # customer chat ids: helpdesk 10_001.., baseline 20_001..
BASELINE_CHATS = 20_000


# ---- the baseline server: bare aiogram echo behind the same webhook machinery ------------


def baseline_app() -> Any:
    """A Dispatcher with one handler, mounted like the product's webhook (same Bot setup)."""
    from aiogram import Dispatcher
    from aiogram.types import Message
    from aiohttp import web

    from bot.telegram.factory import create_bot
    from bot.telegram.webhook import TelegramWebhook, seen_updates
    from helpdesk.settings import load_settings

    settings = load_settings()
    app = web.Application(client_max_size=1024 * 1024)
    handler_key = web.AppKey("handler", TelegramWebhook)

    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def bot_ctx(app: web.Application) -> AsyncIterator[None]:
        bot = create_bot(settings)
        dp = Dispatcher()
        dp.message.register(echo)
        secret = settings.telegram_webhook_secret
        handler = TelegramWebhook(
            dp, bot, seen_updates(None, bot.id), secret.get_secret_value() if secret else None
        )
        app[handler_key] = handler
        yield
        await bot.session.close()

    async def webhook(request: web.Request) -> web.StreamResponse:
        return await request.app[handler_key].handle(request)

    app.router.add_get("/healthz", healthz)
    app.router.add_post(PATH, webhook)
    app.cleanup_ctx.append(bot_ctx)
    return app


# ---- processes ---------------------------------------------------------------------------
# (ruff's ASYNC22x: the blocking subprocess calls run before and after the timed phases)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pooled(url: str) -> str:
    if url.startswith("sqlite"):
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}minsize=1&maxsize={POOL_SIZE}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def server(cmd: list[str], env: dict[str, str], port: int) -> AsyncIterator[tuple[str, int]]:
    log = tempfile.TemporaryFile()  # not a pipe: nobody drains it while the load runs
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: ASYNC220
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(base + "/healthz") as response:
                        if response.status == 200:
                            break
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode(errors="replace"))
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{cmd} did not come up")
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)
        log.seek(0)
        errors = [
            line
            for line in log.read().decode(errors="replace").splitlines()
            if "Error" in line or "Traceback" in line
        ]
        if errors:
            print(f"{cmd[0]}: {len(errors)} error lines, first: {errors[:3]}", file=sys.stderr)
        log.close()


# ---- driving the webhook -----------------------------------------------------------------


@dataclass
class Target:
    name: str
    base: str
    tg: FakeTelegram
    first_chat: int
    session: aiohttp.ClientSession
    pid: int
    errors: int = 0

    def chat(self, i: int) -> int:
        return self.first_chat + 1 + i

    async def post(self, update: dict[str, Any]) -> None:
        async with self.session.post(
            self.base + PATH, json=update, headers={SECRET_HEADER: SECRET}
        ) as response:
            await response.read()
            if response.status != 200:
                self.errors += 1

    async def say(self, chat: int, text: str) -> None:
        await self.post(self.tg.updates.message(chat, chat, text, first_name="Ann"))

    async def click(self, chat: int, pattern: str) -> None:
        for message in reversed(self.tg.messages_in(chat)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if re.fullmatch(pattern, button["text"]):
                        await self.post(
                            self.tg.updates.callback(
                                chat,
                                chat,
                                button["callback_data"],
                                message_id=message["message_id"],
                            )
                        )
                        return
        raise RuntimeError(f"chat {chat}: no button {pattern!r} in {self.tg.sent_texts(chat)[-3:]}")


@dataclass
class Result:
    seconds: float = 0.0
    cpu: float = 0.0  # the server process's CPU seconds while it was driven
    latencies: list[float] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        """Server CPU per update: unlike updates/s, hardly moved by other load on the cores."""
        return self.cpu / len(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def drive(target: Target, clients: int, per_client: int, result: Result) -> None:
    """`clients` chats, each posting `per_client` messages one after another."""

    async def chat_loop(i: int) -> None:
        chat = target.chat(i)
        for n in range(per_client):
            update = target.tg.updates.message(chat, chat, f"Bench message {n} from {chat}")
            started = time.perf_counter()
            await target.post(update)
            result.latencies.append(time.perf_counter() - started)

    started, cpu = time.perf_counter(), cpu_seconds(target.pid)
    await asyncio.gather(*(chat_loop(i) for i in range(clients)))
    result.seconds += time.perf_counter() - started
    result.cpu += cpu_seconds(target.pid) - cpu


async def open_threads(target: Target, chats: int, slug: str) -> None:
    """Every chat goes from the project link to an open ticket thread, through the webhook."""
    slots = asyncio.Semaphore(8)

    async def walk(i: int) -> None:
        chat = target.chat(i)
        async with slots:
            await target.say(chat, f"/start help_{slug}")
            await target.click(chat, "✅ Subscribe")
            await target.click(chat, "📝 New ticket")
            await target.say(chat, f"Bench ticket of chat {chat}\nsetting up")
            await target.click(chat, "📨 Send")
            shown = [c.text for c in target.tg.calls if c.ok and c.chat_id == chat and c.text]
            if not shown or "Ticket #" not in shown[-1]:
                raise RuntimeError(f"chat {chat}: thread not open: {shown[-2:]}")

    await asyncio.gather(*(walk(i) for i in range(chats)))


# ---- the run -----------------------------------------------------------------------------


async def counts(project_id: uuid.UUID) -> tuple[int, int, int]:
    from models import Message, OutboundMessage, OutboxEvent
    from models.enums import Author
    from services.notifications import AGENT_EVENT

    messages = await Message.filter(ticket__project_id=project_id, author=Author.CUSTOMER).count()
    replied = await OutboxEvent.filter(project_id=project_id, event="ticket.replied").count()
    agent = await OutboundMessage.filter(
        project_id=project_id, kind=AGENT_EVENT, chat_id=AGENT_CHAT
    ).count()
    return messages, replied, agent


def table(levels: list[int], ours: dict[int, Result], base: dict[int, Result]) -> str:
    lines = [
        "| concurrency | helpdesk updates/s | echo updates/s | ratio "
        "| helpdesk p50 / p99 ms | echo p50 / p99 ms | CPU ms/update helpdesk / echo (ratio) |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in levels:
        a, b = ours[c], base[c]
        lines.append(
            f"| {c} | {a.rate:,.0f} | {b.rate:,.0f} | {a.rate / b.rate:.2f}x "
            f"| {a.pct(0.5):.1f} / {a.pct(0.99):.1f} | {b.pct(0.5):.1f} / {b.pct(0.99):.1f} "
            f"| {a.cpu_ms:.2f} / {b.cpu_ms:.2f} ({b.cpu_ms / a.cpu_ms if a.cpu_ms else 0:.2f}x) |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    from tortoise import Tortoise

    from helpdesk.db import tortoise_config
    from services import agent_chat
    from services.projects import create_project

    levels = sorted({int(c) for c in args.concurrency.split(",")})
    chats = max(levels)
    env = {
        **os.environ,
        "DATABASE_URL": _pooled(args.database_url),
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": "https://helpdesk.example" + PATH,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "REDIS_URL": args.redis_url,
    }
    for name in ("MAX_BOT_TOKEN", "TELEGRAM_BOT_USERNAME"):
        env.pop(name, None)
    subprocess.run([HELPDESK, "migrate"], env=env, check=True, capture_output=True)  # noqa: ASYNC221

    if args.redis_url:  # the chats and update ids repeat in every run: no earlier state
        from redis.asyncio import Redis

        async with Redis.from_url(args.redis_url) as client:
            await client.flushdb()
    await Tortoise.init(config=tortoise_config(args.database_url), _enable_global_fallback=True)
    try:
        project, _ = await create_project(name=f"Bench bot {uuid.uuid4().hex[:6]}")
        code = await agent_chat.create_binding_code(project.id)
        await agent_chat.bind_chat(code.code, AGENT_CHAT, is_forum=True)

        async with FakeTelegram() as tg:
            env["TELEGRAM_API_BASE"] = tg.base_url
            ports = _free_port(), _free_port()
            helpdesk_cmd = [
                HELPDESK,
                "serve",
                "--role",
                "bots",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[0]),
            ]
            baseline_cmd = [sys.executable, "-m", "bench.bot", "--serve-baseline", str(ports[1])]
            connector = aiohttp.TCPConnector(limit=0)
            async with (  # the client closes first: servers wait for open keep-alives on stop
                server(helpdesk_cmd, env, ports[0]) as (helpdesk_url, helpdesk_pid),
                server(baseline_cmd, env, ports[1]) as (baseline_url, baseline_pid),
                aiohttp.ClientSession(connector=connector) as session,
            ):
                ours = Target("helpdesk", helpdesk_url, tg, HELPDESK_CHATS, session, helpdesk_pid)
                echo = Target("echo", baseline_url, tg, BASELINE_CHATS, session, baseline_pid)
                started = time.perf_counter()
                await open_threads(ours, chats, project.slug)
                print(
                    f"{chats} threads opened in {time.perf_counter() - started:.1f}s",
                    file=sys.stderr,
                )
                for target in (ours, echo):  # warm-up: connections, caches, the JIT-less rest
                    await drive(target, chats, 3, Result())
                before = await counts(project.id)
                sends_before = len(tg.successful_sends())
                receipts_before = len(tg.calls_to("setMessageReaction", ok=True))
                results: dict[str, dict[int, Result]] = {"helpdesk": {}, "echo": {}}
                for c in levels:
                    per_client = max(1, args.count // (args.rounds * c))
                    for name in results:
                        results[name][c] = Result()
                    for _ in range(args.rounds):
                        for target in (ours, echo):
                            await drive(target, c, per_client, results[target.name][c])
                    a, b = results["helpdesk"][c], results["echo"][c]
                    print(
                        f"  x{c:<3} helpdesk {a.rate:6.0f}/s  echo {b.rate:6.0f}/s", file=sys.stderr
                    )
                after = await counts(project.id)
                sends = len(tg.successful_sends()) - sends_before
                receipts = len(tg.calls_to("setMessageReaction", ok=True)) - receipts_before
                errors = ours.errors + echo.errors
    finally:
        await Tortoise.close_connections()

    measured = sum(len(r.latencies) for r in results["helpdesk"].values())
    echoed = sum(len(r.latencies) for r in results["echo"].values())
    delta = [b - a for a, b in zip(before, after, strict=True)]
    backend = "PostgreSQL" if not args.database_url.startswith("sqlite") else "SQLite"
    redis = "Redis" if args.redis_url else "memory"
    print(f"\n{backend}, FSM/dedup in {redis}; {measured} helpdesk + {echoed} echo updates")
    print(table(levels, results["helpdesk"], results["echo"]))
    print(
        f"\nstored for {measured} helpdesk updates: {delta[0]} customer messages, "
        f"{delta[1]} ticket.replied events, {delta[2]} agent_event rows, {receipts} receipts "
        f"(👌); {sends} successful sends on the fake; non-200 answers: {errors}"
    )
    if delta != [measured] * 3 or receipts != measured or errors:
        raise SystemExit("MISMATCH: not every update was stored and relayed")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a temp SQLite file")
    parser.add_argument(
        "--redis-url",
        default="",
        help='a Redis database the run empties first (FLUSHDB); "" (default): memory FSM and dedup',
    )
    parser.add_argument(
        "--count", type=int, default=2000, help="updates per concurrency level and server"
    )
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated chat counts")
    parser.add_argument("--rounds", type=int, default=2, help="alternations per level")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_baseline:
        import uvloop
        from aiohttp import web

        from helpdesk.cli_commands import freeze_startup_heap

        echo = baseline_app()
        echo.on_startup.append(freeze_startup_heap)  # as `helpdesk serve` does
        web.run_app(  # on the event loop `helpdesk serve` runs on, so the ratio stays fair
            echo,
            host="127.0.0.1",
            port=arguments.serve_baseline,
            access_log=None,
            print=None,
            loop=uvloop.new_event_loop(),
        )
    else:
        with tempfile.TemporaryDirectory() as tmp:
            if not arguments.database_url:
                arguments.database_url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
            asyncio.run(main(arguments))
