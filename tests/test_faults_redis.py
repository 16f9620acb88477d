"""A Redis that stops answering (SIGSTOP: connections accepted, nothing read) must not stall
the process: rate-limited API requests fail open, /readyz answers 503 at once, the log says
once that Redis is unreachable and once that it is back. The test runs a redis-server of its
own on a free loopback port; nothing else is touched."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from helpdesk.runtime import RedisWatch, connect_redis
from tests.dialogs.conftest import make_settings

REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def own_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A throw-away redis-server: no persistence, killed at the end (continued first)."""
    assert REDIS_SERVER is not None
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server failed"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = await call
    return result, time.monotonic() - started


@needs_redis_server
async def test_a_stopped_redis_fails_open_and_readyz_says_503_quickly(
    own_redis: tuple[str, subprocess.Popen[bytes]],
    db: str,
    project_with_key: tuple[Any, str],
    aiohttp_client: Any,
) -> None:
    from helpdesk.app import create_app

    url, proc = own_redis
    _, key = project_with_key
    client = await aiohttp_client(create_app(make_settings(database_url=db, redis_url=url)))
    headers = {"Authorization": f"Bearer {key}"}
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["checks"]["redis"] is True
    response = await client.get("/v1/helpdesk/ticket-types", headers=headers)
    assert response.status == 200 and "RateLimit" in response.headers  # counted in Redis

    os.kill(proc.pid, signal.SIGSTOP)
    try:
        response, took = await timed(client.get("/v1/helpdesk/ticket-types", headers=headers))
        assert response.status == 200, await response.text()  # the limit failed open
        assert took < 2, took
        response, took = await timed(client.get("/readyz"))
        assert response.status == 503
        assert (await response.json())["checks"]["redis"] is False
        assert took < 2, took
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    response = await client.get("/readyz")
    assert response.status == 200
    await client.close()


@needs_redis_server
async def test_the_outage_is_logged_once_and_its_end_once(
    own_redis: tuple[str, subprocess.Popen[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    url, proc = own_redis
    redis = connect_redis(make_settings(redis_url=url, redis_timeout_seconds=0.2))
    assert redis is not None
    watch = RedisWatch(redis)
    caplog.set_level(logging.INFO, logger="helpdesk.runtime")
    try:
        await watch.check()
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            for _ in range(3):
                _, took = await timed(watch.check())
                assert took < 1
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        await watch.check()
        await watch.check()
    finally:
        await redis.aclose()
    lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk.runtime"]
    assert len(lines) == 2, lines
    assert "unreachable" in lines[0] and url.split("//")[1].split("/")[0] in lines[0]
    assert "reachable again" in lines[1]


async def test_readyz_says_redis_is_not_configured(db: str, aiohttp_client: Any) -> None:
    from helpdesk.app import create_app

    client = await aiohttp_client(create_app(make_settings(database_url=db), role="api"))
    response = await client.get("/readyz")
    assert response.status == 200
    body = await response.json()
    assert body == {
        "status": "ready", "checks": {"database": True, "redis": "not configured"}
    }
    await client.close()


@needs_redis_server
async def test_a_bot_update_is_answered_503_quickly_while_redis_is_stopped(
    own_redis: tuple[str, subprocess.Popen[bytes]], db: str, project: Any, aiohttp_client: Any
) -> None:
    """The bot needs Redis (its dialog state, the record of updates handled): the webhook
    answers 503 at once, Telegram redelivers, and the redelivery is handled once Redis is
    back."""
    from helpdesk.app import create_app
    from tests.fakes.telegram import FakeTelegram

    url, proc = own_redis
    path, secret, chat = "/bot/telegram/webhook", "s3cret", 7401
    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db, redis_url=url,
            telegram_bot_token="123456:ABC", telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + path,
            telegram_webhook_secret=secret,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        start = tg.updates.message(chat, chat, f"/start help_{project.slug}")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            response, took = await timed(client.post(path, json=start, headers=headers))
            assert response.status == 503
            assert took < 2, took
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        assert tg.successful_sends(chat) == []
        assert (await client.post(path, json=start, headers=headers)).status == 200
        assert len(tg.successful_sends(chat)) == 1
        await client.close()
