"""Claiming due outbox rows with a lease, in order per group (ticket or chat).

Both outbox tables share the columns status/next_attempt_at/claimed_until. A claim takes due
rows with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite ignores it and runs one
worker) and stamps `claimed_until`: if the worker dies, the lease runs out and another worker
takes the rows again. A row is eligible only when every earlier pending row of its group is in
the same claim, so one group is never delivered out of order, even across workers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from operator import getitem
from typing import Any, TypeVar

from tortoise import connections
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.enums import DeliveryStatus
from services import sql

M = TypeVar("M", bound=Model)
R = TypeVar("R")

# The lease stamps (claimed_until values, to the microsecond) this process wrote and that
# have not run out yet, per table: a row still carrying one of them is held by this process.
# On shutdown, after the workers stopped, `release_held` gives those rows back at once
# instead of leaving them to the lease timeout.
_stamps: dict[type[Model], set[datetime]] = defaultdict(set)


async def claim(
    model: type[M],
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    group_field: str,
    order_fields: Sequence[str],
    scope: dict[str, Any] | None = None,
    exclude: dict[str, Any] | None = None,
    exclude_groups: Collection[Any] = (),
    fields: Sequence[str] = (),
) -> list[M]:
    """Claim up to `limit` due rows; returns them in delivery order. `fields`: load only
    these columns (read-only rows; the group and order fields are added), which spares
    decoding columns the caller never reads (datetimes are costly to parse on SQLite)."""
    scope = scope or {}
    async with in_transaction():
        query = model.filter(
            Q(claimed_until=None) | Q(claimed_until__lt=now),
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            **scope,
        )
        if exclude:
            query = query.exclude(**exclude)
        if exclude_groups:
            query = query.exclude(**{f"{group_field}__in": list(exclude_groups)})
        query = query.order_by(*order_fields).limit(limit).select_for_update(skip_locked=True)
        if fields:
            query = query.only(*dict.fromkeys(["id", group_field, *order_fields, *fields]))
        rows = await query
        eligible = await _in_order(model, rows, group_field, order_fields, scope)
        if eligible:
            await model.filter(id__in=[r.pk for r in eligible]).update(claimed_until=now + lease)
            _remember(model, now, now + lease)
    return eligible


async def claim_values(
    model: type[Model],
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    group_field: str,
    order_fields: Sequence[str],
    fields: Sequence[str],
    where: str = "",
) -> list[dict[str, Any]]:
    """`claim` for a hot path: the same rows, lease and order, read with one hand-written
    SELECT as plain dicts of `fields` (plus id, group and order fields), each value converted
    as the ORM converts it, and no model objects. `where`: an extra SQL condition without
    arguments (e.g. a subquery excluding disabled projects)."""
    meta = model._meta
    names = list(dict.fromkeys(["id", group_field, *order_fields, *fields]))
    columns = [meta.fields_db_projection[n] for n in names]
    converters = [meta.fields_map[n].to_python_value for n in names]
    order = ", ".join(meta.fields_db_projection[f] for f in order_fields)
    sqlite = connections.get("default").capabilities.dialect == "sqlite"
    lock = "" if sqlite else " FOR UPDATE SKIP LOCKED"
    query = (
        f"SELECT {', '.join(columns)} FROM {meta.db_table} "
        "WHERE status = $1 AND next_attempt_at <= $2 "
        "AND (claimed_until IS NULL OR claimed_until < $2)"
        f"{f' AND ({where})' if where else ''} ORDER BY {order} LIMIT $3{lock}"
    )
    async with in_transaction():
        raw = await sql.fetch(query, DeliveryStatus.PENDING.value, now, limit)
        plan = list(zip(names, columns, converters, strict=True))
        rows = [{name: convert(row[col]) for name, col, convert in plan} for row in raw]
        eligible = await _in_order(model, rows, group_field, order_fields, {}, getitem)
        if eligible:
            await model.filter(id__in=[r["id"] for r in eligible]).update(claimed_until=now + lease)
            _remember(model, now, now + lease)
    return eligible


def _remember(model: type[Model], now: datetime, stamp: datetime) -> None:
    stamps = _stamps[model]
    stamps.difference_update([s for s in stamps if s <= now])  # run out: not ours any more
    stamps.add(stamp)


async def _in_order(
    model: type[Model],
    rows: list[R],
    group_field: str,
    order_fields: Sequence[str],
    scope: dict[str, Any],
    get: Callable[[Any, str], Any] = getattr,
) -> list[R]:
    """Keep, per group, the rows that continue that group's pending sequence without a gap
    (`get`: reads a field of a row, `getattr` for models, `getitem` for dicts)."""

    def key(values: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(values)

    row_key: Callable[[R], tuple[Any, ...]] = lambda r: key(  # noqa: E731
        [get(r, f) for f in order_fields]
    )
    grouped: dict[Any, list[R]] = defaultdict(list)
    free: list[R] = []
    for row in rows:
        group = get(row, group_field)
        (free if group is None else grouped[group]).append(row)
    if not grouped:
        return free
    first = order_fields[0]
    newest = max(get(r, first) for r in rows)
    pending = await model.filter(
        status=DeliveryStatus.PENDING,
        **{f"{group_field}__in": list(grouped), f"{first}__lte": newest},
        **scope,
    ).values_list(group_field, *order_fields, "id")
    earlier: dict[Any, list[tuple[tuple[Any, ...], Any]]] = defaultdict(list)
    for group, *values, pk in pending:
        earlier[group].append((key(values), pk))
    eligible = list(free)
    for group, members in grouped.items():
        expected = [pk for _, pk in sorted(earlier[group], key=lambda item: item[0])]
        members.sort(key=row_key)
        for index, row in enumerate(members):
            if index >= len(expected) or expected[index] != get(row, "id"):
                break  # an earlier row of this group is elsewhere (claimed, or backing off)
            eligible.append(row)
    eligible.sort(key=row_key)
    return eligible


async def release(model: type[Model], ids: Collection[Any]) -> None:
    """Give rows back without an attempt (their group stopped before reaching them)."""
    if ids:
        await model.filter(id__in=list(ids)).update(claimed_until=None)


async def release_held() -> int:
    """Give back every row this process still holds under its own lease (call it only after
    the workers stopped: a row still being sent would otherwise go out twice)."""
    released = 0
    for model, stamps in _stamps.items():
        if stamps:
            # a row finished since (claimed_until cleared) or claimed again by another
            # process (a new stamp) does not match
            released += await model.filter(
                status=DeliveryStatus.PENDING, claimed_until__in=list(stamps)
            ).update(claimed_until=None)
    _stamps.clear()
    return released
