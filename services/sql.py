"""Hand-written SQL for the few hot paths, through Tortoise's own connection.

The ORM builds each query and model in Python; on the API's hot paths (the key lookup, the
ticket counter, the list page) that costs more CPU than the database work itself. These
helpers run a statement on the connection Tortoise would use — the transaction's when
called inside `in_transaction()` — so raw statements and ORM calls mix freely.

Write queries with PostgreSQL's `$1, $2 …` placeholders; on SQLite they become `?` (in the
order they appear) and UUID arguments become the text Tortoise stores. Rows come back as
dicts in the driver's types: build models with `Model._init_from_db(**row)`, which converts
per backend as the ORM does.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

_PLACEHOLDER = re.compile(r"\$(\d+)")


def _db() -> BaseDBAsyncClient:
    return connections.get("default")


@lru_cache(maxsize=256)
def _for_sqlite(query: str) -> tuple[str, tuple[int, ...]]:
    order = tuple(int(n) - 1 for n in _PLACEHOLDER.findall(query))
    return _PLACEHOLDER.sub("?", query), order


def _prepare(db: BaseDBAsyncClient, query: str, args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    if db.capabilities.dialect != "sqlite":
        return query, list(args)
    text, order = _for_sqlite(query)
    return text, [str(a) if isinstance(a, uuid.UUID) else a for a in (args[i] for i in order)]


async def fetch(query: str, *args: Any) -> list[dict[str, Any]]:
    db = _db()
    text, values = _prepare(db, query, args)
    return list(await db.execute_query_dict(text, values))


async def fetch_one(query: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(query, *args)
    return rows[0] if rows else None


def columns(model: Any, alias: str = "", prefix: str = "") -> str:
    """`alias.col AS prefixcol, …` for every column of a model (for joins)."""
    dot = f"{alias}." if alias else ""
    return ", ".join(
        f"{dot}{col} AS {prefix}{col}" if prefix else f"{dot}{col}"
        for col in model._meta.fields_db_projection.values()
    )


async def execute_many(query: str, rows: list[tuple[Any, ...]]) -> None:
    """Run one statement for each row of arguments (asyncpg: one prepared statement,
    pipelined; SQLite: `executemany`), in the current transaction if there is one."""
    if not rows:
        return
    db = _db()
    if db.capabilities.dialect != "sqlite":
        await db.execute_many(query, [list(r) for r in rows])
        return
    text, _ = _for_sqlite(query)
    await db.execute_many(text, [_prepare(db, query, r)[1] for r in rows])
