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
from operator import itemgetter
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import OutboxEvent
from models.enums import DeliveryStatus
from services import sql

M = TypeVar("M", bound=Model)

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


# `claim` for the webhook outbox as one hand-written statement: the due rows (SKIP LOCKED on
# PostgreSQL), minus those of endpoints disabled by a 410 and those of a ticket with an
# earlier pending event outside this claim (its "blocker": claimed elsewhere, or backing
# off), leased and returned as plain columns. A candidate is kept when it precedes its
# ticket's first pending row outside the claim, so what is kept of a ticket is always a
# prefix of that ticket's pending sequence, as `_in_order` keeps it.
_CLAIM_EVENTS = """
WITH cand AS (
    SELECT id, ticket_id, seq FROM outbox_events
    WHERE status = $1 AND next_attempt_at <= $2
      AND (claimed_until IS NULL OR claimed_until < $2)
      AND project_id NOT IN (SELECT id FROM projects WHERE webhook_disabled)
    ORDER BY seq, id LIMIT $3{lock}
), blocker AS (
    SELECT ticket_id, MIN(seq) AS seq FROM outbox_events
    WHERE status = $1 AND ticket_id IN (SELECT ticket_id FROM cand)
      AND id NOT IN (SELECT id FROM cand)
    GROUP BY ticket_id
)
UPDATE outbox_events SET claimed_until = $4
WHERE id IN (
    SELECT cand.id FROM cand LEFT JOIN blocker ON blocker.ticket_id = cand.ticket_id
    WHERE blocker.seq IS NULL OR cand.seq < blocker.seq
)
RETURNING CAST(id AS TEXT), CAST(ticket_id AS TEXT), CAST(project_id AS TEXT), seq, attempts,
    body, {payload}, event
"""
_CLAIM_EVENTS_PG = _CLAIM_EVENTS.format(
    lock=" FOR UPDATE SKIP LOCKED", payload="CASE WHEN body IS NULL THEN payload END"
)
# SQLite: one worker, one statement at a time; the payload comes along always (in-process,
# cheap), as SQLite 3.40 evaluates `body IS NULL` wrongly in this RETURNING clause
_CLAIM_EVENTS_SQLITE = _CLAIM_EVENTS.format(lock="", payload="payload")


# a claimed webhook event: (id, ticket_id, project_id, seq, attempts, body, payload, event);
# the UUIDs as text; `payload` (JSON text, or decoded) is read only where `body` is NULL (rows
# written before bodies were stored); `event` the type (the project's filter reads it)
ClaimedEvent = tuple[str, str | None, str, int, int, str | None, Any, str]


async def claim_events(*, now: datetime, lease: timedelta, limit: int) -> list[ClaimedEvent]:
    """Claim up to `limit` due webhook events, in `seq` order, as plain tuples (see
    `ClaimedEvent`). Same rows, order and lease as `claim`, without model objects, dicts or
    decoding the payload; tuples of text and numbers also spare the garbage collector, as
    a claimed batch lives for a while."""
    until = now + lease
    rows = await sql.fetch_tuples(
        _CLAIM_EVENTS_SQLITE if sql.dialect() == "sqlite" else _CLAIM_EVENTS_PG,
        DeliveryStatus.PENDING.value,
        now,
        limit,
        until,
    )
    if rows:
        _remember(OutboxEvent, now, until)
        rows.sort(key=itemgetter(3, 0))  # by seq: RETURNING keeps no order
    return rows


def _remember(model: type[Model], now: datetime, stamp: datetime) -> None:
    stamps = _stamps[model]
    stamps.difference_update([s for s in stamps if s <= now])  # run out: not ours any more
    stamps.add(stamp)


async def _in_order(
    model: type[M],
    rows: list[M],
    group_field: str,
    order_fields: Sequence[str],
    scope: dict[str, Any],
) -> list[M]:
    """Keep, per group, the rows that continue that group's pending sequence without a gap."""

    def key(values: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(values)

    row_key: Callable[[M], tuple[Any, ...]] = lambda r: key(  # noqa: E731
        [getattr(r, f) for f in order_fields]
    )
    grouped: dict[Any, list[M]] = defaultdict(list)
    free: list[M] = []
    for row in rows:
        group = getattr(row, group_field)
        (free if group is None else grouped[group]).append(row)
    if not grouped:
        return free
    first = order_fields[0]
    newest = max(getattr(r, first) for r in rows)
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
            if index >= len(expected) or expected[index] != row.pk:
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
