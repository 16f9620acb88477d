"""Issue #20 hardening of the REST API: the poll limit per project, the missing-bot hint,
the database outage answered 503."""

from __future__ import annotations

import logging
import socket
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from helpdesk.app import RESOURCES
from services.outages import is_database_unavailable
from services.requests import BotLinks
from tests.api.conftest import MAX_BOT, TELEGRAM_BOT, Api

# --- item 4: the request-status poll limit -------------------------------------------------


async def test_another_projects_polls_do_not_use_up_the_owners_quota(
    api: Api, other: Api, frozen_clock: Any
) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    path = f"/request/{request_id}/status"

    foreign = [await other.get(path) for _ in range(20)]

    assert {r.status for r in foreign} == {404}
    assert all("RateLimit" not in r.headers for r in foreign)  # a 404 counts nothing
    own = await api.get(path)
    assert own.status == 200, own.body
    assert own.headers["RateLimit"] == '"poll";r=4;t=1'


async def test_the_owner_is_still_limited_per_request_id(api: Api, frozen_clock: Any) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    path = f"/request/{request_id}/status"
    assert [(await api.get(path)).status for _ in range(6)] == [200] * 5 + [429]


async def test_the_poll_limit_is_documented(api: Api) -> None:
    document = (await api.get("/v1/openapi.json")).body
    poll = document["paths"]["/v1/helpdesk/request/{request_id}/status"]["get"]
    assert "5 polls per 1 s per project and request id" in poll["description"]


# --- item 14: a hint when a link is null because no bot is configured -----------------------


async def test_no_hint_when_every_link_is_there(api: Api) -> None:
    assert "hint" not in (await api.post("/request", {})).body
    assert "hint" not in (await api.post("/request", {"channel": "max"})).body


async def test_hint_names_the_missing_bot(api: Api, app: web.Application) -> None:
    app[RESOURCES].links = BotLinks(telegram=None, max=MAX_BOT)

    both = (await api.post("/request", {})).body
    assert both["telegram_link"] is None and both["max_link"]
    assert both["hint"] == (
        "no Telegram bot is configured on this server (TELEGRAM_BOT_TOKEN / TELEGRAM_BOT_USERNAME)"
    )
    # asked for MAX only: the missing Telegram bot is no reason for a hint
    assert "hint" not in (await api.post("/request", {"channel": "max"})).body


async def test_hint_when_no_bot_at_all(api: Api, app: web.Application) -> None:
    app[RESOURCES].links = BotLinks(telegram=None, max=None)
    body = (await api.post("/request", {"channel": "max"})).body
    assert body["max_link"] is None
    assert body["hint"] == (
        "no MAX bot is configured on this server (MAX_BOT_TOKEN / MAX_BOT_USERNAME)"
    )
    body = (await api.post("/request", {})).body
    assert "\n" not in body["hint"] and "Telegram" in body["hint"] and "MAX" in body["hint"]
    app[RESOURCES].links = BotLinks(telegram=TELEGRAM_BOT, max=None)
    assert "hint" not in (await api.post("/request", {"channel": "telegram"})).body


# --- item 8: the database down answers 503, logged once per outage --------------------------


def _unreachable(*args: Any, **kwargs: Any) -> Any:
    raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")


async def test_database_down_answers_503_and_logs_the_outage_once(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await api.get("/tickets")).status == 200
    client_class = type(Tortoise.get_connection("default"))
    caplog.set_level(logging.INFO)

    with monkeypatch.context() as down:
        for method in ("execute_query", "execute_query_dict", "execute_insert"):
            down.setattr(client_class, method, _unreachable)
        replies = [await api.get("/tickets") for _ in range(3)]

    for reply in replies:
        assert reply.status == 503
        assert reply.body == {
            "error": "the database is unavailable; retry in a few seconds",
            "code": "database_unavailable",
            "retryable": True,
        }
        assert reply.headers["Retry-After"] == "5"
    assert (await api.get("/tickets")).status == 200
    assert (await api.get("/tickets")).status == 200

    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in records] == ["helpdesk.outage", "helpdesk.outage"], records
    down_record, up_record = records
    assert down_record.getMessage().startswith("database unavailable (ConnectionRefusedError")
    assert "database available again after" in up_record.getMessage()
    assert up_record.getMessage().endswith("3 requests failed meanwhile")
    assert not any(r.exc_info for r in caplog.records)


async def test_other_errors_stay_internal_errors(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_query(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(sqlite3.OperationalError("no such column: nope"))

    client_class = type(Tortoise.get_connection("default"))
    assert (await api.get("/tickets")).status == 200
    with monkeypatch.context() as broken:
        broken.setattr(client_class, "execute_query", broken_query)
        broken.setattr(client_class, "execute_query_dict", broken_query)
        reply = await api.get("/tickets")
    assert reply.status == 500 and reply.body["code"] == "internal_error"
    assert not [r for r in caplog.records if r.name == "helpdesk.outage"]


async def _real_connection_refused() -> BaseException:
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        try:
            await asyncpg.connect(host="127.0.0.1", port=port, user="x", timeout=5)
        except Exception as error:  # whatever asyncpg really raises
            return error
    raise AssertionError("connected to a closed port")


def _real_sqlite_unreachable(tmp_path: Path) -> BaseException:
    try:
        sqlite3.connect(tmp_path / "missing_dir" / "x.sqlite3")
    except sqlite3.OperationalError as error:
        return OperationalError(error)  # as Tortoise's SQLite client wraps it
    raise AssertionError("opened a database in a missing folder")


async def test_classifier_on_real_errors(tmp_path: Path) -> None:
    assert is_database_unavailable(await _real_connection_refused())
    assert is_database_unavailable(_real_sqlite_unreachable(tmp_path))
    assert is_database_unavailable(OperationalError(sqlite3.OperationalError("disk I/O error")))
    assert is_database_unavailable(asyncpg.CannotConnectNowError("the database is starting up"))
    assert is_database_unavailable(asyncpg.AdminShutdownError("terminating connection"))
    assert is_database_unavailable(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    assert is_database_unavailable(asyncpg.InterfaceError("connection is closed"))
    assert is_database_unavailable(DBConnectionError("Can't establish connection"))
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as cause:
            raise OperationalError("query failed") from cause
    except OperationalError as wrapped:
        assert is_database_unavailable(wrapped)


def test_classifier_leaves_query_errors_alone() -> None:
    for message in ("no such table: x", "database is locked"):
        assert not is_database_unavailable(OperationalError(sqlite3.OperationalError(message)))
    assert not is_database_unavailable(IntegrityError(sqlite3.IntegrityError("UNIQUE failed")))
    assert not is_database_unavailable(asyncpg.UniqueViolationError("duplicate key"))
    assert not is_database_unavailable(asyncpg.UndefinedTableError("relation does not exist"))
    assert not is_database_unavailable(ValueError("bad"))
    assert not is_database_unavailable(KeyError("id"))
