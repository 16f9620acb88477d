"""Dependency outages: which errors mean "the database is unreachable", and logging an outage
once when it starts and once when it ends (with how many requests failed meanwhile) instead of
a traceback per failed request (or per failed worker step). The API's error middleware and the
background workers use both."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator

import asyncpg
import redis.exceptions
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
# SQLite's messages for a database file that another process holds for now
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
# SQLite's messages for a database file that cannot be reached any more
_SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")


def causes(error: BaseException) -> Iterator[BaseException]:
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
    for cause in causes(error):
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

    def __init__(
        self,
        dependency: str,
        *,
        failing: str = "requests",
        meanwhile: str = "requests answer 503 until it is back",
    ) -> None:
        self.dependency = dependency
        self.failing = failing  # what fails while it is down, for the closing line
        self.meanwhile = meanwhile  # what happens until it is back, for the opening line
        self.down_since: float | None = None
        self.failed = 0

    def failure(self, error: BaseException) -> None:
        """A request failed because the dependency is unreachable: logged only the first time."""
        self.failed += 1
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.error(
                "%s unavailable (%s: %s); %s",
                self.dependency, type(error).__name__, str(error)[:200], self.meanwhile,
            )

    def success(self) -> None:
        """A request got through: ends an outage, logging how long it lasted and what it cost."""
        if self.down_since is None:
            return
        lasted = time.monotonic() - self.down_since
        log.warning(
            "%s available again after %.1f s; %d %s failed meanwhile",
            self.dependency, lasted, self.failed, self.failing,
        )
        self.down_since, self.failed = None, 0


def worker_outage(worker: str) -> Outage:
    """The database as one background worker sees it."""
    return Outage(
        f"database ({worker})", failing="attempts", meanwhile=f"{worker} waits and tries again"
    )


def log_worker_failure(
    outage: Outage, error: BaseException, logger: logging.Logger, what: str
) -> None:
    """A worker's step failed (call it in the `except` block): an unreachable database is one
    outage, logged when it starts and when it ends; anything else keeps its traceback."""
    if is_database_unavailable(error):
        outage.failure(error)
    else:
        logger.exception(what)


def is_retryable(error: BaseException) -> bool:
    """The one rule, for both bots, of an update that may succeed when handled again: the
    database locked (SQLite) or unreachable, Redis (FSM, the store of updates handled) not
    answering. Anything else is a bug or a lasting state and is not retried."""
    for cause in causes(error):
        if isinstance(cause, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            return True
        if isinstance(cause, DBConnectionError):
            return True
        if isinstance(cause, sqlite3.OperationalError) or type(cause).__name__ in (
            "OperationalError",
            "TransactionManagementError",
        ):
            if str(cause).lower().startswith(_SQLITE_BUSY):
                return True
        module = type(cause).__module__
        if module.startswith("asyncpg") and type(cause).__name__ in (
            "ConnectionDoesNotExistError",
            "PostgresConnectionError",
            "CannotConnectNowError",
            "TooManyConnectionsError",
            "ConnectionFailureError",
            "ClientCannotConnectError",
        ):
            return True
    return False
