"""Tortoise configuration and the database lifecycle (the one place connections open and close)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from helpdesk.settings import DEFAULT_DATABASE_URL, SettingsError
from helpdesk.sqlite_engine import BUSY_TIMEOUT_MS

APP_LABEL = "helpdesk"
MODEL_MODULES = ["models"]
MIGRATIONS_MODULE = "models.migrations"
ASYNCPG_ENGINE = "tortoise.backends.asyncpg"
SQLITE_ENGINE = "tortoise.backends.sqlite"


async def _keep_session(connection: Any) -> None:
    """asyncpg pool `reset` hook: nothing to undo beyond what asyncpg always does.

    By default asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release — one more round trip each time, and Tortoise takes a pool
    connection per statement outside transactions (the bot's hot path paid ~7 % of its CPU
    for it). With a custom hook asyncpg still rolls back a transaction left open and drops
    listener callbacks before calling it (`Connection._reset`); what the query would undo,
    this application never creates: no LISTEN, no advisory locks, no cursors (no
    `.iterator()` / `cursor()`), no `SET` of session variables (server settings are fixed
    at connect). Whoever adds one of those must restore the default reset (drop `reset`).
    """


def _connection(database_url: str) -> dict[str, Any]:
    config = expand_db_url(_postgres_scheme(database_url))
    if config["engine"] == ASYNCPG_ENGINE:
        config["credentials"]["reset"] = _keep_session
    elif config["engine"] == SQLITE_ENGINE:
        config["engine"] = "helpdesk.sqlite_engine"  # write transactions lock when they begin
        config["credentials"].setdefault("busy_timeout", BUSY_TIMEOUT_MS)
    return config


def check_sqlite_file(database_url: str) -> None:
    """Refuse, in one line naming the setting, an SQLite file that cannot be opened.

    Tortoise's SQLite client keeps its connection lock when the first connect fails, so
    every later query waits forever: a missing folder made `helpdesk migrate` hang."""
    config = expand_db_url(_postgres_scheme(database_url))
    path = config["credentials"].get("file_path", "")
    if config["engine"] == ASYNCPG_ENGINE or path in ("", ":memory:"):
        return
    try:
        sqlite3.connect(path, timeout=0).close()  # creates the file, as the first query would
    except sqlite3.Error as error:
        raise SettingsError(
            f"invalid setting DATABASE_URL: cannot open the SQLite file {path!r} ({error})"
        ) from None


POSTGRES_CONNECT_TIMEOUT = 5.0  # seconds: a host that drops packets says so this soon


async def check_postgres_server(database_url: str) -> None:
    """Refuse, in one line naming DATABASE_URL and the server, a PostgreSQL server that does
    not accept connections (asyncpg's `[Errno 111] Connect call failed` named neither)."""
    config = expand_db_url(_postgres_scheme(database_url))
    if config["engine"] != ASYNCPG_ENGINE:
        return
    host = config["credentials"].get("host") or "127.0.0.1"
    port = int(config["credentials"].get("port") or 5432)
    if str(host).startswith("/"):  # a Unix socket directory: asyncpg reports it well enough
        return
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), POSTGRES_CONNECT_TIMEOUT
        )
    except (OSError, TimeoutError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else None
        raise SettingsError(
            f"DATABASE_URL: cannot connect to PostgreSQL at {host}:{port} "
            f"({reason or type(error).__name__}); is the server running?"
        ) from None
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def check_database(database_url: str) -> None:
    """The database DATABASE_URL names can be opened: else one line naming the setting."""
    check_sqlite_file(database_url)
    await check_postgres_server(database_url)


def _postgres_scheme(database_url: str) -> str:
    if database_url.startswith("postgresql://"):
        return "postgres://" + database_url.removeprefix("postgresql://")
    return database_url


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the `tortoise` CLI (makemigrations); reading the environment here has no side effects.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


async def open_database(database_url: str) -> None:
    await check_database(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def pending_migrations(database_url: str) -> list[str]:
    """Names of migrations not yet applied to the database (all of them on an empty one)."""
    from tortoise.connection import get_connection
    from tortoise.migrations.executor import MigrationExecutor

    await check_database(database_url)
    config = tortoise_config(database_url)
    await Tortoise.init(config=config)
    try:
        executor = MigrationExecutor(get_connection("default"), config["apps"])
        steps = await executor.plan(None)
        return [step.migration.name for step in steps if not step.backward]
    finally:
        await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> list[str]:
    """Apply every pending migration; returns what was applied."""
    from tortoise.migrations.api.migrate import migrate

    pending = await pending_migrations(database_url)
    if pending:
        await migrate(config=tortoise_config(database_url))
        await Tortoise.close_connections()
    return pending
