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

import inspect
import re
import uuid
from copy import deepcopy
from functools import cache, lru_cache
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError, ValidationError
from tortoise.models import Model

M = TypeVar("M", bound=Model)

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


def new(model: type[M], **values: Any) -> M:
    """`model(**values)` — the same unsaved instance, attributes and defaults (checked by
    tests/test_sql_new.py) — without Tortoise's `__setattr__` per attribute, which made
    building the three rows of a customer message a tenth of the bot's CPU. Foreign keys
    are given as saved instances (`ticket=…`) or as ids (`ticket_id=…`)."""
    relations, converters, defaults = _shape(model)
    instance = model.__new__(model)
    state = instance.__dict__
    state["_partial"] = False
    state["_saved_in_db"] = False
    state["_custom_generated_pk"] = False
    later: dict[str, Any] = {}
    state["_await_when_save"] = later
    passed = set(values)
    for key, value in values.items():
        relation = relations.get(key)
        if relation is not None:
            source, target, related = relation
            if value is not None and type(value) is not related:
                raise ValidationError(f"{key}: expected a {related.__name__}, got {value!r}")
            if value and not value._saved_in_db:
                raise OperationalError(
                    f"You should first call .save() on {value} before referring to it"
                )
            state[source] = getattr(value, target) if value else None
            state[f"_{key}"] = value
            passed.add(source)
        elif key in converters:
            field, convert = converters[key]
            if field.pk and field.generated:
                state["_custom_generated_pk"] = True
            if value is None and not field.null:
                raise ValueError(f"{key} is non nullable field, but null was passed")
            state[key] = convert(value)
    for key, kind, default in defaults:
        if key in passed:
            continue
        if kind == "later":
            later[key] = default
        elif kind == "call":
            state[key] = default()
        elif kind == "copy":
            state[key] = deepcopy(default)
        else:
            state[key] = default
    return instance


@cache
def _shape(model: Any) -> tuple[dict[str, Any], dict[str, Any], tuple[tuple[str, str, Any], ...]]:
    """What `Model.__init__` does per field, worked out once: the foreign keys (source
    column, target attribute), each column's value conversion, each default's kind."""
    meta = model._meta
    relations = {}
    for name in (*meta.fk_fields, *meta.o2o_fields):
        relation = meta.fields_map[name]
        target = relation.to_field_instance.model_field_name
        relations[name] = (relation.source_field, target, relation.related_model)
    converters = {
        name: (meta.fields_map[name], meta.fields_map[name].to_python_value)
        for name in meta.fields_db_projection
    }
    defaults: list[tuple[str, str, Any]] = []
    for name in meta.fields - meta.fetch_fields:
        field = meta.fields_map[name]
        default = field.default
        if inspect.iscoroutinefunction(default):
            defaults.append((name, "later", default))
        elif callable(default):
            defaults.append((name, "call", default))
        elif default is not None:
            immutable = isinstance(default, (int, float, str, bool, bytes))
            defaults.append((name, "value" if immutable else "copy", default))
        elif field.has_db_default():
            defaults.append((name, "value", field.get_db_default_value()))
        else:
            defaults.append((name, "value", None))
    return relations, converters, tuple(defaults)


def _insert_statement(instance: Any, first: int) -> tuple[str, list[Any]]:
    """`INSERT` of every column of a new instance, values converted as Tortoise's own
    insert converts them (`to_db_value`: JSON text, UUIDs, `auto_now_add` stamps)."""
    head, marks, values = _insert_parts(instance, first)
    return f"{head} VALUES ({marks})", values


def _insert_parts(instance: Any, first: int) -> tuple[str, str, list[Any]]:
    """`INSERT INTO table (columns)`, the `$n` marks from `first` and the converted values."""
    head, fields = _insert_shape(instance.__class__)
    values = [field.to_db_value(getattr(instance, name), instance) for name, field in fields]
    return head, _marks(first, len(values)), values


@cache
def _insert_shape(model: Any) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """A model's `INSERT INTO table (columns)` and its fields in that order (built once)."""
    meta = model._meta
    if meta.generated_db_fields:
        raise ValueError(f"{meta.db_table}: generated columns are not supported here")
    columns = ", ".join(f'"{column}"' for column in meta.fields_db_projection.values())
    fields = tuple((name, meta.fields_map[name]) for name in meta.fields_db_projection)
    return f'INSERT INTO "{meta.db_table}" ({columns})', fields


@lru_cache(maxsize=1024)
def _marks(first: int, count: int) -> str:
    return ", ".join(f"${first + i}" for i in range(count))


async def insert(*instances: Any) -> None:
    """Store new model instances (keys set in Python) with hand-written INSERTs: one
    statement on PostgreSQL (data-modifying CTEs, no order between them: the rows must not
    depend on each other), one per row on SQLite. The instances count as saved afterwards."""
    if not instances:
        return
    db = _db()
    statements: list[str] = []
    values: list[Any] = []
    for instance in instances:
        text, row = _insert_statement(instance, len(values) + 1)
        if db.capabilities.dialect == "sqlite":
            await db.execute_query(*_prepare(db, text, tuple(row)))
        else:
            statements.append(text)
            values.extend(row)
    if statements:
        *first, last = statements
        ctes = ", ".join(f"i{n} AS ({text})" for n, text in enumerate(first))
        await db.execute_query(f"WITH {ctes} {last}" if ctes else last, values)
    for instance in instances:
        instance._saved_in_db = True


def dialect() -> str:
    """The database's dialect ("postgres", "sqlite")."""
    return str(_db().capabilities.dialect)


def insert_from(source: str, instance: Any, first: int) -> tuple[str, list[Any]]:
    """`INSERT … SELECT $first, … FROM source` of a new instance, values converted as `insert`
    converts them: for a data-modifying CTE that stores the row only when `source` (another
    CTE's name) has a row. PostgreSQL takes each parameter's type from its target column."""
    head, marks, values = _insert_parts(instance, first)
    return f"{head} SELECT {marks} FROM {source}", values


async def fetch_tuples(query: str, *args: Any) -> list[tuple[Any, ...]]:
    """`fetch` for a statement that returns rows (SELECT, or WITH … RETURNING), each row a
    plain tuple in the order of its select list: no dict per row, and a tuple of plain
    values (text, numbers) is soon left alone by the cyclic garbage collector — for hot
    paths that hold many rows for a while."""
    db = _db()
    text, values = _prepare(db, query, args)
    _, rows = await db.execute_query(text, values)
    return [tuple(row) for row in rows]
