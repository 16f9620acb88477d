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

Attempts are recorded by the group commit (`delivery.webhook_commit`, which says how order and
at-least-once hold); the HTTP side of an attempt (signing, the POST) is `delivery.webhook_client`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import chain, zip_longest
from typing import Any

from tortoise.transactions import in_transaction

from delivery.webhook_client import (
    _ATTEMPTS,
    _EVENT,
    _ID,
    _PROJECT,
    _TICKET,
    TIMEOUT_SECONDS,
    EventRow,
    Outcome,
    WebhookClient,
)
from delivery.webhook_commit import Attempt, AttemptRow, GroupCommit
from models import OutboxEvent, Project
from models.enums import DeliveryStatus
from services import audit, clock, delivery_queue
from services.outages import log_worker_failure, worker_outage
from services.outbox import FILTERED, NO_URL, wanted
from services.webhook_security import Resolve, system_resolve

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
PIPELINE = 2  # batches in flight in `run`: one being sent while the next is claimed
# batches in flight at most when some are held up by slow endpoints: `run` claims beside a
# batch still sending after a poll interval, so other endpoints' events do not wait for it
MAX_BATCHES = 8


def _result(outcome: Outcome, attempts: int) -> str:
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
        self._outage = worker_outage(self.name)  # the database down: logged at start and end
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
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
        self._handed_out = asyncio.Event()  # the last claimed batch handed out its tickets
        self._handed_out.set()
        self.client = WebhookClient(
            allow_private_networks=allow_private_networks, timeout=timeout, resolve=resolve
        )
        self.commit = GroupCommit(settled=self._recorded)
        # called with "delivered" | "retry" | "failed" | "disabled" per attempt (metrics)
        self.observer: Callable[[str], None] | None = None

    # -- lifecycle -----------------------------------------------------------------------
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
        await self.client.close()

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
            outcome = await self.client.post(event, project, started)
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
        self.commit.add(Attempt(event_id, record, changes))
        return changes is None

    async def _settle(
        self, attempts: int, project: Project, outcome: Outcome, started: datetime
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


__all__ = ["MAX_ATTEMPTS", "RETRY_SCHEDULE", "WebhookWorker"]
