"""A process imports a messenger SDK only when it runs (or sends for) that bot (issue 13).

aiogram's types alone hold ~130 MB (aiogram issue #1513): `helpdesk serve` without bot tokens,
in every role, must import neither aiogram nor maxapi. Each role is built, started and asked
for /readyz in a fresh interpreter, which then reports the SDKs it holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL

SDKS = ("aiogram", "aiogram_dialog", "maxapi")

PROBE = """
import asyncio, json, sys
import aiohttp
from aiohttp import web
from helpdesk.app import create_app
from helpdesk.db import apply_migrations
from helpdesk.settings import load_settings

async def main(role):
    runner = web.AppRunner(create_app(settings, role))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            status = response.status
    await runner.cleanup()
    return status

settings = load_settings()
asyncio.run(apply_migrations(settings.database_url))
status = asyncio.run(main(sys.argv[1]))
print(json.dumps({"status": status, "loaded": [m for m in SDKS_HERE if m in sys.modules]}))
""".replace("SDKS_HERE", repr(SDKS))


def probe(role: str, tmp_path: Path, **env_extra: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MAX_"))}
    env["DATABASE_URL"] = TEST_DATABASE_URL or f"sqlite://{tmp_path / 'imports.sqlite3'}"
    env.pop("REDIS_URL", None)  # Redis is not what this is about; readyz needs none
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.update(env_extra)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, role],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("role", ["all", "api", "bots", "workers"])
def test_a_process_without_bot_tokens_imports_no_messenger_sdk(role: str, tmp_path: Path) -> None:
    report = probe(role, tmp_path)
    assert report == {"status": 200, "loaded": []}


def test_a_telegram_token_brings_aiogram_and_not_maxapi(tmp_path: Path) -> None:
    # polling against a closed loopback port: the bot is built, nothing reaches a network
    report = probe(
        "workers",
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:abc",
        TELEGRAM_API_BASE="http://127.0.0.1:9",
    )
    assert "aiogram" in report["loaded"] and "maxapi" not in report["loaded"]  # type: ignore[operator]
