"""Group commit of webhook attempts: the worker's bookkeeping (`delivery.webhooks`).

POSTs run concurrently; each finished attempt (its log row and the event's new state) joins a
queue, and one writer commits whatever queued up while its previous commit ran, in a single
transaction (one INSERT of attempts, one UPDATE for the delivered events).
Nothing is marked delivered before the receiver's 2xx, and a ticket's next event is POSTed
only after its previous one got its 2xx, so commits follow per-ticket order. A crash between
a 2xx and its commit re-sends that event (at-least-once, same `webhook-id`), never loses it;
a worker that is cancelled (shutdown) commits what it has before it ends. A batch is
finished (`run_once` returns) only when all its attempts are committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models import OutboxEvent
from models.enums import DeliveryStatus
from services import clock, delivery_queue, sql

log = logging.getLogger(__name__)

# one attempt-log row as plain values: (event_id, attempted_at, status_code, error, duration_ms)
AttemptRow = tuple[str, datetime, int | None, str | None, int]
INSERT_ATTEMPTS = (
    "INSERT INTO webhook_attempts (event_id, attempted_at, status_code, error, duration_ms) "
    "VALUES ($1, $2, $3, $4, $5)"
)
# PostgreSQL: a group commit of delivered events is this one statement (atomic on its own,
# no BEGIN/COMMIT): the attempt rows from arrays, and the delivered events' new state
COMMIT_DELIVERED_PG = """
WITH logged AS (
    INSERT INTO webhook_attempts (event_id, attempted_at, status_code, error, duration_ms)
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::text[], $5::int[])
)
UPDATE outbox_events SET status = $6, attempts = attempts + 1, delivered_at = $7,
    claimed_until = NULL, last_error = NULL
WHERE id = ANY($8::uuid[])
"""
MARK_DELIVERED = (
    "UPDATE outbox_events SET status = $1, attempts = attempts + 1, delivered_at = $2, "
    "claimed_until = NULL, last_error = NULL WHERE id IN ({marks})"
)


class Attempt:
    """A finished attempt waiting for the group commit: its log row and the event's update
    (`changes` None: delivered)."""

    __slots__ = ("changes", "event_id", "log")

    def __init__(self, event_id: str, log: AttemptRow, changes: dict[str, Any] | None) -> None:
        self.event_id = event_id
        self.log = log
        self.changes = changes


class GroupCommit:
    """One writer commits the attempts queued while its previous commit ran (module docstring)."""

    def __init__(self, settled: Callable[[int], None] | None = None) -> None:
        self._queue: list[Attempt] = []
        self._writer: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._dropped: list[str] = []  # events whose attempt was not recorded: to release
        # called with how many queued attempts were committed or dropped (the worker's
        # bound on attempts sent but not recorded)
        self._settled = settled or (lambda count: None)
        self.commits = 0  # transactions written (tests, benchmark)

    def add(self, attempt: Attempt) -> None:
        if self._error is not None:
            # an earlier commit failed: nothing later may be committed before it; the row
            # is given back at `flush` (re-sent with the same webhook-id)
            self._dropped.append(attempt.event_id)
            self._settled(1)
            return
        self._queue.append(attempt)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())

    async def _write_all(self) -> None:
        while self._queue and self._error is None:
            batch, self._queue = self._queue, []
            try:
                await self._commit(batch)
            except Exception as exc:
                log.exception("committing %d webhook attempts failed", len(batch))
                self._error = exc
                batch += self._queue
                self._queue = []
                # their rows are still leased: given back at once (`flush`), not after the
                # lease; the attempts counter is untouched (the transaction rolled back)
                self._dropped.extend(a.event_id for a in batch)
            self._settled(len(batch))

    async def _commit(self, batch: list[Attempt]) -> None:
        delivered = [a.event_id for a in batch if a.changes is None]
        others = [a for a in batch if a.changes is not None]
        if not others and sql.dialect() != "sqlite":
            await self._commit_delivered_pg(batch, delivered)  # the common case: one statement
        else:
            async with in_transaction():
                if sql.dialect() == "sqlite":
                    await sql.execute_many(INSERT_ATTEMPTS, [a.log for a in batch])
                    if delivered:
                        marks = ", ".join(f"${n + 3}" for n in range(len(delivered)))
                        await sql.fetch(
                            MARK_DELIVERED.format(marks=marks),
                            DeliveryStatus.DELIVERED.value,
                            clock.now(),
                            *delivered,
                        )
                else:
                    await self._commit_delivered_pg(batch, delivered)
                for attempt in others:
                    await OutboxEvent.filter(id=attempt.event_id).update(**attempt.changes)  # type: ignore[arg-type]
        self.commits += 1

    @staticmethod
    async def _commit_delivered_pg(batch: list[Attempt], delivered: list[str]) -> None:
        columns = list(zip(*(a.log for a in batch), strict=True))
        await sql.fetch(
            COMMIT_DELIVERED_PG,
            *columns,
            DeliveryStatus.DELIVERED.value,
            clock.now(),
            delivered,
        )

    @property
    def broken(self) -> bool:
        return self._error is not None

    async def flush(self) -> None:
        """Wait until everything queued is committed; raises if a commit failed, after giving
        back the rows whose attempts were not recorded."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        error, self._error = self._error, None
        if self._dropped:
            dropped, self._dropped = self._dropped, []
            try:
                await delivery_queue.release(OutboxEvent, dropped)
            except Exception:  # the database is still away: the lease brings them back
                log.warning("could not give back %d webhook events; the lease will", len(dropped))
        if error is not None:
            raise error


__all__ = ["Attempt", "AttemptRow", "GroupCommit"]
