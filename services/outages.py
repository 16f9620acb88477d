"""Dependency outages: which errors mean "the database is unreachable", and logging an outage
once when it starts and once when it ends (with how many requests failed meanwhile) instead of
a traceback per failed request. The API's error middleware uses both; a worker can too."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator

import asyncpg
from tortoise.exceptions import DBConnectionError

log = logging.getLogger("helpdesk.outage")

# the connection itself failed or went away; errors about a query (syntax, constraint, a
# locked SQLite file) are not outages
_UNREACHABLE = (
    OSError,  # refused, reset, unreachable host, timed out (TimeoutError is an OSError)
    DBConnectionError,
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08: connection exceptions
    asyncpg.CannotConnectNowError,  # 57P03: starting up / shutting down
    asyncpg.AdminShutdownError,  # 57P01
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
)
# SQLite's messages for a database file that cannot be reached any more
_SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what caused it, and what Tortoise wrapped (it passes the driver's error as
    its first argument, sometimes without chaining it)."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending and len(seen) < 16:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__]
        if current.args and isinstance(current.args[0], BaseException):
            linked.append(current.args[0])
        pending.extend(e for e in linked if e is not None)


def is_database_unavailable(error: BaseException) -> bool:
    for cause in _chain(error):
        if isinstance(cause, _UNREACHABLE):
            return True
        if isinstance(cause, asyncpg.InterfaceError) and "connection" in str(cause).lower():
            return True  # "connection is closed", "cannot perform operation: connection ..."
        if isinstance(cause, sqlite3.OperationalError) and str(cause).lower().startswith(
            _SQLITE_UNREACHABLE
        ):
            return True
    return False


class Outage:
    """One dependency's state as this process sees it: up, or down since a moment."""

    def __init__(self, dependency: str) -> None:
        self.dependency = dependency
        self.down_since: float | None = None
        self.failed = 0

    def failure(self, error: BaseException) -> None:
        """A request failed because the dependency is unreachable: logged only the first time."""
        self.failed += 1
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.error(
                "%s unavailable (%s: %s); requests answer 503 until it is back",
                self.dependency, type(error).__name__, str(error)[:200],
            )

    def success(self) -> None:
        """A request got through: ends an outage, logging how long it lasted and what it cost."""
        if self.down_since is None:
            return
        lasted = time.monotonic() - self.down_since
        log.warning(
            "%s available again after %.1f s; %d requests failed meanwhile",
            self.dependency, lasted, self.failed,
        )
        self.down_since, self.failed = None, 0
