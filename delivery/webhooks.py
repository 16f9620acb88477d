"""Webhook delivery from the transactional outbox (API.md, "Webhooks").

Policy decisions:
- An event of a type its project does not take (`Project.webhook_events`) is closed as
  `disabled` with last_error "event type not taken by the endpoint" before anything is
  sent (the filter as it stands when the event is claimed).
- A project without a `webhook_url` has nobody to tell: its events are closed as `disabled`
  with last_error "no webhook_url" so they do not pile up; setting a URL later does not
  replay history (a single event can still be sent with `webhooks replay`).
- 410 Gone sets `project.webhook_disabled`; that project's events stay `pending` and are
  simply not claimed, so re-enabling (`update_project(webhook_url=...)`, `webhooks enable`)
  resumes delivery where it stopped, in order.
- Any other failure (non-2xx, redirect, timeout, connection error, refused address) is
  retried on the schedule below with ±10 % jitter, or after `Retry-After` when the receiver
  sends one; after the last retry the event is `failed` and later events of its ticket go on.

Group commit: POSTs run concurrently; each finished attempt (its log row and the event's new
state) joins a queue, and one writer commits whatever queued up while its previous commit
ran, in a single transaction (one INSERT of attempts, one UPDATE for the delivered events).
Nothing is marked delivered before the receiver's 2xx, and a ticket's next event is POSTed
only after its previous one got its 2xx, so commits follow per-ticket order. A crash between
a 2xx and its commit re-sends that event (at-least-once, same `webhook-id`), never loses it;
a worker that is cancelled (shutdown) commits what it has before it ends. A batch is
finished (`run_once` returns) only when all its attempts are committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import random
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import chain, zip_longest
from typing import Any, Final

import aiohttp
from tortoise.transactions import in_transaction

from models import OutboxEvent, Project
from models.enums import DeliveryStatus
from services import audit, clock, delivery_queue, sql
from services.outages import log_worker_failure, worker_outage
from services.outbox import FILTERED, NO_URL, encode_body, wanted
from services.webhook_security import (
    ALLOW_HINT,
    GuardedResolver,
    Resolve,
    destination_refusal,
    sign_headers,
    system_resolve,
    unsafe_cause,
)

log = logging.getLogger(__name__)

RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
TIMEOUT_SECONDS = 15.0
MAX_RETRY_AFTER = timedelta(hours=24)
PIPELINE = 2  # batches in flight in `run`: one being sent while the next is claimed
# batches in flight at most when some are held up by slow endpoints: `run` claims beside a
# batch still sending after a poll interval, so other endpoints' events do not wait for it
MAX_BATCHES = 8
REFUSALS_REMEMBERED = 10_000  # events whose refusal was logged (each is logged once)


def signing_secrets(project: Project, now: datetime) -> list[str]:
    """The current secret, plus the previous one while its 24 h overlap lasts."""
    secrets = [project.webhook_secret]
    until = project.webhook_previous_secret_until
    if project.webhook_previous_secret and until is not None and until > now:
        secrets.append(project.webhook_previous_secret)
    return secrets


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - now
    return max(timedelta(seconds=1), min(delay, MAX_RETRY_AFTER))


# aiohttp skips the resolver for an address, so the rule runs before the POST; cached per
# URL, the check is pure
_refusal = lru_cache(maxsize=1024)(destination_refusal)


class _Outcome:
    __slots__ = ("delivered", "error", "gone", "retry_after", "status_code")

    def __init__(
        self,
        *,
        status_code: int | None = None,
        error: str | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        self.status_code = status_code
        self.error = error
        self.retry_after = retry_after
        self.delivered = status_code is not None and 200 <= status_code < 300
        self.gone = status_code == 410


# a claimed event as a plain tuple (`delivery_queue.claim_events`), read by position
EventRow = delivery_queue.ClaimedEvent
_ID: Final = 0
_TICKET: Final = 1
_PROJECT: Final = 2
_ATTEMPTS: Final = 4
_BODY: Final = 5
_PAYLOAD: Final = 6
_EVENT: Final = 7

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


class _Attempt:
    """A finished attempt waiting for the group commit: its log row and the event's update
    (`changes` None: delivered)."""

    __slots__ = ("changes", "event_id", "log")

    def __init__(self, event_id: str, log: AttemptRow, changes: dict[str, Any] | None) -> None:
        self.event_id = event_id
        self.log = log
        self.changes = changes


class GroupCommit:
    """One writer commits the attempts queued while its previous commit ran (see top)."""

    def __init__(self, settled: Callable[[int], None] | None = None) -> None:
        self._queue: list[_Attempt] = []
        self._writer: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._dropped: list[str] = []  # events whose attempt was not recorded: to release
        # called with how many queued attempts were committed or dropped (the worker's
        # bound on attempts sent but not recorded)
        self._settled = settled or (lambda count: None)
        self.commits = 0  # transactions written (tests, benchmark)

    def add(self, attempt: _Attempt) -> None:
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

    async def _commit(self, batch: list[_Attempt]) -> None:
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
    async def _commit_delivered_pg(batch: list[_Attempt], delivered: list[str]) -> None:
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


def _body(event: EventRow) -> str:
    """The stored body; a row written before bodies were stored is encoded from its payload
    (JSON text from the database, or already decoded by the driver)."""
    body = event[_BODY]
    if body is None:
        payload = event[_PAYLOAD]
        body = encode_body(json.loads(payload) if isinstance(payload, str | bytes) else payload)
    return body


def _result(outcome: _Outcome, attempts: int) -> str:
    if outcome.delivered:
        return "delivered"
    if outcome.gone:
        return "disabled"
    return "failed" if attempts >= MAX_ATTEMPTS else "retry"


class WebhookWorker:
    """Claims due events and POSTs them; `run_once` is one batch, `run` loops until stopped."""

    name = "webhooks"

    def __init__(
        self,
        *,
        allow_private_networks: bool = False,
        batch_size: int = 200,
        concurrency: int = 64,
        per_endpoint: int | None = None,
        in_flight: int | None = None,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 0.25,  # idle only: a busy worker claims again at once
        timeout: float = TIMEOUT_SECONDS,
        resolve: Resolve = system_resolve,
        rng: random.Random | None = None,
    ) -> None:
        self.allow_private_networks = allow_private_networks
        self._outage = worker_outage(self.name)  # the database down: logged at start and end
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
        self.timeout = timeout
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._resolve = resolve
        self._rng = rng or random.Random()
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        # fair share: one endpoint holds at most this many of the slots, so a slow or dead
        # endpoint only slows itself (its tickets wait, other endpoints' go past them)
        self.per_endpoint = per_endpoint or max(1, concurrency // 4)
        self._endpoint_slots: dict[str, asyncio.Semaphore] = {}
        # attempts POSTed and not yet recorded (committed): what a kill -9 can send twice.
        # Twice the POST slots, so the next POSTs overlap a group commit
        self.in_flight = in_flight or 2 * concurrency
        self._unrecorded = asyncio.Semaphore(self.in_flight)
        self._refusals_logged: OrderedDict[str, None] = OrderedDict()
        self._handed_out = asyncio.Event()  # the last claimed batch handed out its tickets
        self._handed_out.set()
        self._session: aiohttp.ClientSession | None = None
        self.commit = GroupCommit(settled=self._recorded)
        # called with "delivered" | "retry" | "failed" | "disabled" per attempt (metrics)
        self.observer: Callable[[str], None] | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=0,
                resolver=None if self.allow_private_networks else GuardedResolver(self._resolve),
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def _recorded(self, count: int) -> None:
        for _ in range(count):
            self._unrecorded.release()

    def _endpoint(self, project: Project) -> asyncio.Semaphore:
        url = project.webhook_url or ""
        slots = self._endpoint_slots.get(url)
        if slots is None:
            slots = self._endpoint_slots[url] = asyncio.Semaphore(self.per_endpoint)
        return slots

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop`, with up to `PIPELINE` batches in flight while there is work: the
        next batch is claimed while the last one is still being sent, so the POSTs never wait
        for a claim. Per-ticket order holds across batches as across workers: a claim never
        takes an event while an earlier one of its ticket is still pending."""
        running: set[asyncio.Task[int]] = set()
        busy = False
        try:
            while not stop.is_set():
                while len(running) < (PIPELINE if busy else 1):
                    running.add(asyncio.create_task(self._batch_or_nothing()))
                finished, running = await asyncio.wait(
                    running, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                )
                if not finished:
                    # still sending after a poll interval (a slow endpoint): claim beside it
                    if len(running) < MAX_BATCHES:
                        running.add(asyncio.create_task(self._batch_or_nothing()))
                    continue
                busy = any(task.result() > 0 for task in finished)
                if not busy and not running:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.poll_interval)
            if running:  # stopping: the batches in flight finish and commit
                await asyncio.wait(running)
        finally:
            for task in running:  # cancelled: they commit what got its 2xx, then end
                task.cancel()
            if running:
                await asyncio.wait(running)
            await self.close()

    async def _batch_or_nothing(self) -> int:
        try:
            attempted = await self.run_once()
        except Exception as error:  # a database hiccup must not end the worker
            log_worker_failure(self._outage, error, log, "webhook batch failed")
            return 0
        self._outage.success()
        return attempted

    # -- one batch -----------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim and process one batch; returns how many events were attempted (and
        committed: a cancelled batch still commits the attempts that finished)."""
        try:
            return await self._run_batch()
        finally:
            await self.commit.flush()

    async def _run_batch(self) -> int:
        events = await delivery_queue.claim_events(
            now=clock.now(), lease=self.lease, limit=self.batch_size
        )
        if not events:
            return 0
        projects = {
            str(p.id): p for p in await Project.filter(id__in={e[_PROJECT] for e in events})
        }
        events, skipped = await self._skip_unwanted(events, projects)
        if not events:
            return skipped
        groups: dict[str, list[EventRow]] = defaultdict(list)
        for event in events:
            groups[event[_TICKET] or event[_ID]].append(event)
        # round robin across endpoints: one ticket of each in turn, so a project with many
        # tickets in this batch does not take every consumer before the others get one
        per_endpoint: dict[str | None, list[list[EventRow]]] = defaultdict(list)
        for group in groups.values():
            per_endpoint[projects[group[0][_PROJECT]].webhook_url].append(group)
        turns = [g for g in chain.from_iterable(zip_longest(*per_endpoint.values())) if g]
        # a few consumers take the tickets in turn (the slots bound the POSTs in flight):
        # fewer tasks than one per ticket, and fewer objects alive while a batch is sent.
        # Batches hand out their tickets in the order they were claimed: this one starts once
        # the one before has handed out its last ticket (whose POSTs are still in flight), so
        # the next claim and commit overlap the sending of a whole batch, instead of batches
        # sharing the slots, finishing together and leaving them idle while both commit
        before, handed_out = self._handed_out, asyncio.Event()
        self._handed_out = handed_out
        queue = _handing_out(turns, handed_out)
        deferred: list[list[EventRow]] = []
        try:
            await before.wait()
            counts = await asyncio.gather(
                *(
                    self._consume(queue, projects, deferred)
                    for _ in range(min(self._concurrency, len(groups)))
                )
            )
        except Exception:
            # a database error mid-batch: what was not attempted yet is
            # given back at once instead of waiting out the lease
            with contextlib.suppress(Exception):
                await delivery_queue.release(
                    OutboxEvent, [e[_ID] for g in chain(queue, deferred) for e in g]
                )
            raise
        finally:
            handed_out.set()
        return sum(counts) + skipped

    @staticmethod
    async def _skip_unwanted(
        events: list[EventRow], projects: dict[str, Project]
    ) -> tuple[list[EventRow], int]:
        """Close the events of types their project does not take (`outbox.wanted`) as
        `disabled` with last_error `FILTERED`, in one UPDATE, before anything is sent: they
        never go out and the delivery log says why. Returns the others and how many were
        closed. A project without a URL keeps its own reason (`NO_URL`)."""
        unwanted = [
            e[_ID]
            for e in events
            if (project := projects[e[_PROJECT]]).webhook_url
            and project.webhook_events
            and not wanted(project, e[_EVENT])
        ]
        if not unwanted:
            return events, 0
        await OutboxEvent.filter(id__in=unwanted).update(
            status=DeliveryStatus.DISABLED, claimed_until=None, last_error=FILTERED
        )
        closed = set(unwanted)
        return [e for e in events if e[_ID] not in closed], len(closed)

    async def _consume(
        self,
        queue: Iterator[list[EventRow]],
        projects: dict[str, Project],
        deferred: list[list[EventRow]],
    ) -> int:
        attempted = 0
        for group in queue:  # shared by the consumers: each ticket goes to one of them
            if self._endpoint(projects[group[0][_PROJECT]]).locked():
                deferred.append(group)  # its endpoint is at its share: after the others
                continue
            attempted += await self._deliver_group(group, projects)
        while deferred:  # everything else is handed out: wait for those endpoints' slots
            attempted += await self._deliver_group(deferred.pop(0), projects)
        return attempted

    async def _deliver_group(self, events: list[EventRow], projects: dict[str, Project]) -> int:
        """Deliver one ticket's events in order; stop at the first that is not delivered."""
        attempted = 0
        for index, event in enumerate(events):
            project = projects[event[_PROJECT]]
            if project.webhook_disabled:  # a 410 earlier in this batch
                await delivery_queue.release(OutboxEvent, [e[_ID] for e in events[index:]])
                break
            if self.commit.broken:  # the bookkeeping failed: stop, give the rest back now
                await delivery_queue.release(OutboxEvent, [e[_ID] for e in events[index:]])
                break
            attempted += 1
            if not project.webhook_url:
                await OutboxEvent.filter(id=event[_ID]).update(
                    status=DeliveryStatus.DISABLED, claimed_until=None, last_error=NO_URL
                )
                continue
            async with self._endpoint(project), self._slots:
                ok = await self.deliver(event, project)
            if not ok:
                await delivery_queue.release(OutboxEvent, [e[_ID] for e in events[index + 1 :]])
                break
        return attempted

    async def deliver(self, event: EventRow, project: Project) -> bool:
        """One attempt: POST, then queue its record and the event's new state for the group
        commit (`run_once` waits for it). True when delivered."""
        # a token per attempt sent and not yet recorded, given back by the group commit: a
        # kill -9 can repeat at most `in_flight` events (those on the wire or awaiting commit)
        await self._unrecorded.acquire()
        try:
            started = clock.now()
            began = time.perf_counter()
            outcome = await self._post(event, project, started)
            duration_ms = int((time.perf_counter() - began) * 1000)
            # the attempt and the event's new state commit together, so the log never
            # disagrees with the event
            event_id = event[_ID]
            record: AttemptRow = (
                event_id,
                started,
                outcome.status_code,
                outcome.error,
                duration_ms,
            )
            changes = await self._settle(event[_ATTEMPTS] + 1, project, outcome, started)
        except BaseException:
            self._unrecorded.release()
            raise
        self.commit.add(_Attempt(event_id, record, changes))
        return changes is None

    async def _settle(
        self, attempts: int, project: Project, outcome: _Outcome, started: datetime
    ) -> dict[str, Any] | None:
        """The event's new columns after its `attempts`-th attempt; None when delivered (one
        UPDATE for all of those)."""
        if self.observer is not None:
            self.observer(_result(outcome, attempts))
        if outcome.delivered:
            return None
        if outcome.gone:
            # the receiver asked us to stop: disable the endpoint, keep the event resumable
            project.webhook_disabled = True
            async with in_transaction():
                disabled = await Project.filter(id=project.id, webhook_disabled=False).update(
                    webhook_disabled=True
                )
                if disabled:  # once, though several events may answer 410 together
                    await audit.record(
                        project.id,
                        audit.SYSTEM,
                        "webhook.disabled_by_410",
                        target_type="webhook",
                        changes={"webhook_disabled": [False, True]},
                    )
            log.warning("webhook endpoint of project %s answered 410; disabled", project.id)
            return {
                "attempts": attempts,
                "next_attempt_at": started,
                "claimed_until": None,
                "last_error": outcome.error,
            }
        changes: dict[str, Any] = {
            "attempts": attempts,
            "claimed_until": None,
            "last_error": outcome.error,
        }
        if attempts >= MAX_ATTEMPTS:
            changes["status"] = DeliveryStatus.FAILED
        else:
            # from the end of the attempt: after a 15 s timeout, the 5 s retry is 5 s later
            changes["next_attempt_at"] = clock.now() + self._delay(attempts, outcome.retry_after)
        return changes

    def _delay(self, attempts: int, retry_after: timedelta | None) -> timedelta:
        if retry_after is not None:
            return retry_after
        base = RETRY_SCHEDULE[min(attempts, len(RETRY_SCHEDULE)) - 1]
        # jitter spreads retries of many events that failed together (receiver outage)
        return base * self._rng.uniform(0.9, 1.1)

    async def _post(self, event: EventRow, project: Project, now: datetime) -> _Outcome:
        url = project.webhook_url or ""
        if not self.allow_private_networks:
            refused = _refusal(url)
            if refused is not None:
                self._log_refusal(event, project, refused)
                return _Outcome(error=refused)
        body = _body(event).encode()  # the bytes signed are the bytes sent
        headers = sign_headers(
            signing_secrets(project, now), event[_ID], int(now.timestamp()), body
        )
        try:
            async with self._client().post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=self._timeout,
            ) as response:
                await response.read()
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        except TimeoutError:
            return _Outcome(error=f"timeout after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            unsafe = unsafe_cause(exc)
            if unsafe is not None:
                self._log_refusal(event, project, str(unsafe))
                return _Outcome(error=str(unsafe))
            return _Outcome(error=f"connection error: {type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return _Outcome(status_code=status)
        if 300 <= status < 400:
            return _Outcome(status_code=status, error=f"HTTP {status}: redirect not followed")
        if status == 410:
            return _Outcome(status_code=status, error="HTTP 410: endpoint disabled")
        return _Outcome(status_code=status, error=f"HTTP {status}", retry_after=retry_after)

    def _log_refusal(self, event: EventRow, project: Project, why: str) -> None:
        """Say once per event (not per retry) that its destination was refused."""
        if event[_ID] in self._refusals_logged:
            return
        self._refusals_logged[event[_ID]] = None
        if len(self._refusals_logged) > REFUSALS_REMEMBERED:
            self._refusals_logged.popitem(last=False)
        log.warning(
            "webhook event %s of project %s not sent: %s (%s)",
            event[_ID],
            project.id,
            why,
            ALLOW_HINT,
        )


def _handing_out(
    groups: list[list[EventRow]], handed_out: asyncio.Event
) -> Iterator[list[EventRow]]:
    """The batch's tickets in turn; `handed_out` is set as the last one is taken, so the next
    batch starts handing out while this one's last POSTs are still in flight."""
    last = len(groups) - 1
    for index, group in enumerate(groups):
        if index == last:
            handed_out.set()
        yield group


__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_SCHEDULE",
    "GroupCommit",
    "WebhookWorker",
]
