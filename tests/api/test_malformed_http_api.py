"""Malformed HTTP that aiohttp's parser refuses (#20 item 3), sent over raw sockets to a real
server: a JSON envelope that never echoes the header, one log line per kind per minute."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from api import malformed_http
from tests.test_serve import base_env, free_port, helpdesk, wait_ready

SECRET = b"SeCrEtVaLuE"
_HEAD = b"POST /v1/helpdesk/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer hd_live_x\r\n"
# kind → (raw request, expected status, expected code)
CASES: dict[str, tuple[bytes, int, str]] = {
    "header_too_large": (
        _HEAD + b"Idempotency-Key: " + SECRET * 1000 + b"\r\nContent-Length: 2\r\n\r\n{}",
        431, "headers_too_large",
    ),
    "invalid_header": (
        _HEAD + b"Idempotency-Key: " + SECRET + b"\x00x\r\nContent-Length: 2\r\n\r\n{}",
        400, "bad_request",
    ),
    "invalid_header_cr": (
        _HEAD + b"Idempotency-Key: " + SECRET + b"\rx\r\nContent-Length: 2\r\n\r\n{}",
        400, "bad_request",
    ),
    "duplicate_content_length": (
        _HEAD + b"X-Note: " + SECRET + b"\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        400, "bad_request",
    ),
    "content_length_with_transfer_encoding": (
        _HEAD + b"X-Note: " + SECRET + b"\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400, "bad_request",
    ),
}


async def send_raw(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)  # the server closes after answering
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def throttle(monkeypatch: pytest.MonkeyPatch) -> malformed_http.KindThrottle:
    fresh = malformed_http.KindThrottle()
    monkeypatch.setattr(malformed_http, "THROTTLE", fresh)
    return fresh


@pytest.mark.parametrize("case", CASES)
async def test_answered_in_the_json_envelope_without_the_value(
    client: TestClient, throttle: Any, case: str
) -> None:
    raw, status, code = CASES[case]
    got_status, headers, body = await send_raw(client.server.port or 0, raw)

    assert got_status == status
    assert headers["content-type"].startswith("application/json")
    envelope = json.loads(body)
    assert envelope["code"] == code and envelope["retryable"] is False
    assert set(envelope) == {"error", "code", "retryable"}
    assert SECRET not in body and SECRET.decode() not in envelope["error"]


async def test_fifty_of_each_kind_log_one_line_per_kind_without_traceback(
    client: TestClient, throttle: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # as helpdesk.logging_setup configures every process (one line per request is the
    # metrics' job); the subprocess test below runs with that configuration itself
    caplog.set_level(logging.WARNING, logger="aiohttp.access")
    for raw, _, _ in CASES.values():
        for _ in range(50):
            await send_raw(client.server.port or 0, raw)

    noisy = [r for r in caplog.records if r.name.startswith(("aiohttp", "api"))]
    assert all(r.name == "api.http" and r.levelno == logging.WARNING for r in noisy), [
        (r.name, r.getMessage()[:80]) for r in noisy
    ]
    kinds = [r.getMessage().split("(")[1].split(")")[0] for r in noisy]
    assert sorted(kinds) == sorted(set(kinds))  # at most one line per kind
    assert set(kinds) == {
        "header_too_large", "invalid_header", "duplicate_content_length",
        "content_length_with_transfer_encoding",
    }
    assert not any(r.exc_info or r.exc_text for r in caplog.records)
    assert not any(SECRET.decode() in r.getMessage() for r in caplog.records)


def test_a_kind_is_logged_again_after_a_minute_with_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    throttle = malformed_http.KindThrottle(clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="api.http")
    for _ in range(5):
        throttle.note("invalid_header", "192.0.2.1")
    now[0] += 59
    throttle.note("invalid_header", "192.0.2.1")
    now[0] += 1.5
    throttle.note("invalid_header", "192.0.2.7")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "malformed HTTP request refused (invalid_header) from 192.0.2.1",
        "malformed HTTP request refused (invalid_header) from 192.0.2.7; "
        "5 more of this kind since the last such line",
    ]


async def test_helpdesk_serve_answers_json_and_logs_each_kind_once(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    env["LOG_FORMAT"] = "text"
    port = free_port()
    proc = helpdesk("serve", "--port", str(port), "--migrate", "--role", "api",
                    env=env, cwd=tmp_path)
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}/healthz", proc)
        for raw, status, code in CASES.values():
            for _ in range(50):
                got_status, _, body = await send_raw(port, raw)
                assert got_status == status and json.loads(body)["code"] == code
                assert SECRET not in body
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.to_thread(proc.communicate, timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    refused = [line for line in err.splitlines() if "malformed HTTP request refused" in line]
    assert len(refused) == 4, err[-3000:]  # the two invalid-header cases are one kind
    assert "Traceback" not in err and "ERROR" not in err
    assert SECRET.decode() not in err
    # nothing else logged: one line a migration applied (their number grows), the banner
    logged = [line for line in err.splitlines() if not line.startswith("applied migration")]
    assert len(logged) < 8, err[-3000:]

