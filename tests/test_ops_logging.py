"""Structured logs: JSON lines with the ids of the work, readable text, no secrets."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from aiohttp import web

from helpdesk.app import create_app
from helpdesk.logging_setup import bound, make_handler
from helpdesk.settings import load_settings
from tests.conftest import TEST_REDIS_URL

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
log = logging.getLogger("tests.ops")


@pytest.fixture
def capture() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    with attached(make_handler("json", stream)):
        yield stream


@contextlib.contextmanager
def attached(handler: logging.Handler) -> Iterator[None]:
    """The handler on the root logger at INFO for one test (pytest's own handlers stay)."""
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_ids_of_the_work(capture) -> None:
    stream = capture
    log.info("outside")
    with bound(request_id="req-1", ticket_id="t-9"):
        log.info("inside %s", "the request")
        with bound(update_id=42):
            log.warning("and an update")
    log.info("after")
    first, inside, update, after = lines(stream)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "tests.ops"
    assert inside["message"] == "inside the request"
    assert inside["request_id"] == "req-1" and inside["ticket_id"] == "t-9"
    assert update["update_id"] == 42 and update["request_id"] == "req-1"
    assert "request_id" not in after


def test_tokens_keys_and_bearer_credentials_are_masked(capture) -> None:
    stream = capture
    log.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.info("key hd_live_abcdefgh12345678 header Authorization: Bearer abc.def")
    try:
        raise RuntimeError(f"connect to /bot{TOKEN}/getMe failed")
    except RuntimeError:
        log.exception("getMe")
    text = stream.getvalue()
    assert TOKEN.split(":")[1] not in text
    assert "hd_live_abcdefgh12345678" not in text and "abc.def" not in text
    assert "/bot123456789:***/sendMessage" in text
    assert "RuntimeError" in lines(stream)[2]["exception"]


def test_text_format_is_readable_with_the_ids() -> None:
    stream = io.StringIO()
    with attached(make_handler("text", stream)), bound(request_id="req-2"):
        log.info("hello")
    line = stream.getvalue().strip()
    assert "INFO tests.ops: hello [request_id=req-2]" in line
    with pytest.raises(ValueError):
        json.loads(line)


async def test_an_api_failure_is_logged_with_its_request_id_and_no_key(
    db, aiohttp_client, project_with_key, capture
) -> None:
    stream = capture
    _, key = project_with_key

    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError(f"the handler failed for {request.headers['Authorization']}")

    app = create_app(load_settings(database_url=db, redis_url=TEST_REDIS_URL or ""), role="api")
    app.router.add_get("/v1/helpdesk/boom", boom)
    client = await aiohttp_client(app)
    response = await client.get("/v1/helpdesk/boom", headers={"Authorization": f"Bearer {key}"})
    assert response.status == 500
    request_id = response.headers["X-Request-Id"]
    logged = [entry for entry in lines(stream) if "unhandled error" in entry["message"]]
    assert len(logged) == 1
    assert logged[0]["request_id"] == request_id and logged[0]["level"] == "ERROR"
    assert key not in stream.getvalue() and key[:16] not in stream.getvalue()


async def test_a_delivery_row_logs_with_its_ticket_id(db, project, capture) -> None:
    from helpdesk.workers import create_delivery
    from services.outbox import enqueue_message
    from tests.fakes.telegram import FakeTelegram

    stream = capture
    ticket_id = uuid.uuid4()
    await enqueue_message(
        channel="telegram", chat_id=1, kind="not_registered", payload={},
        project_id=project.id, ticket_id=ticket_id,
    )
    async with FakeTelegram() as tg:
        sender = create_delivery(load_settings(), telegram_bot=tg.make_bot()).senders["telegram"]
        assert await sender.run_once() == 1  # put off: nobody handles that kind yet
    logged = [entry for entry in lines(stream) if "no handler" in entry["message"]]
    assert [entry.get("ticket_id") for entry in logged] == [str(ticket_id)]
