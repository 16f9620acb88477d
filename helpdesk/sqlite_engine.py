"""Tortoise's SQLite engine, with write transactions that take SQLite's lock when they begin.

Tortoise begins a transaction with a deferred `BEGIN`: it reads on a snapshot and, when it then
writes after another process committed (the CLI beside a running server), SQLite cannot upgrade
the stale snapshot and answers "database is locked" at once — no busy handler runs, and a bot
update was lost that way. `BEGIN IMMEDIATE` takes the write lock first, so the second writer
waits up to the busy timeout instead. One process serialises its transactions on one connection
anyway, so nothing waits longer than before. (The module name must contain "sqlite": Tortoise's
migration executor picks its SQL dialect by it.)
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.sqlite import client as tortoise_sqlite
from tortoise.exceptions import TransactionManagementError

BUSY_TIMEOUT_MS = 5_000  # how long a writer waits for another process's transaction


class _ImmediateTransaction(tortoise_sqlite.SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class SqliteClient(tortoise_sqlite.SqliteClient):
    def _in_transaction(self) -> Any:
        return tortoise_sqlite.SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = SqliteClient
