"""A sender drains one channel's OutboundMessage rows within the platform's limits.

Rows are claimed with a lease (services.outbound.claim), grouped per chat and sent in order;
a row is marked sent only after the platform accepted every call it makes, each a step of
its `SendJob` (delivery.send_job), so a retry never repeats what already went out.

Kinds are pluggable: `register(kind, handler)`; `on_sent(kind, hook)` runs after a row is
marked sent; `on_topic_error(hook)` lets the agent-group module recreate/reopen a forum topic;
`on_migrated(hook)` lets it move its binding when a group became a supergroup.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from delivery.limits import Limit, RateLimiter
from delivery.send_job import SendJob
from delivery.text import Measure
from helpdesk.logging_setup import bound as log_context
from models import OutboundMessage
from services import outbound, subscribers
from services.outages import log_worker_failure, worker_outage

log = logging.getLogger(__name__)

Handler = Callable[["SendJob"], Awaitable[dict[str, Any] | None]]
SentHook = Callable[[OutboundMessage, dict[str, Any] | None], Awaitable[None]]
# (row, the platform's topic error, e.g. delivery.telegram.TopicError) -> the thread id to
# send to now, or None
TopicHook = Callable[[OutboundMessage, str], Awaitable[int | None]]
# (row, the new chat id) -> None: before the row is sent again to the new chat
MigratedHook = Callable[[OutboundMessage, int], Awaitable[None]]

# transient faults and rows of kinds nobody registered yet: retried, with growing pauses
BACKOFF = (2, 5, 15, 30, 60, 120, 300, 600, 1800)
MAX_TRANSIENT_ATTEMPTS = 60  # ~1 day at the longest pause; then the row is failed
MIN_TEXT_LIMIT = 64
REPAIRS_PER_ROW = 3  # immediate re-sends after a repair (smaller parts, new topic, migration)


class FaultKind(StrEnum):
    RETRY_AFTER = "retry_after"  # 429
    BLOCKED = "blocked"  # 403: blocked, deactivated, kicked
    TOO_LONG = "too_long"  # 400 text/caption too long
    TOPIC = "topic"  # forum topic deleted or closed
    MIGRATED = "migrated"  # group became a supergroup (new chat id)
    TRANSIENT = "transient"  # network, 5xx, unknown: try again later
    PERMANENT = "permanent"  # other 4xx: sending again cannot help


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    detail: str
    retry_after: float | None = None
    new_chat_id: int | None = None
    topic_error: str | None = None


class Platform(Protocol):
    channel: str
    text_limit: int
    caption_limit: int

    @property
    def measure(self) -> Measure: ...

    def limits_for(self, chat_id: int) -> list[Limit]: ...

    def classify(self, exc: BaseException) -> Fault: ...


class MessengerSender:
    """Drains OutboundMessage rows of one channel (`run` in production, `run_once` in tests)."""

    def __init__(
        self,
        platform: Platform,
        bot: Any,
        limiter: RateLimiter,
        *,
        batch_size: int = 200,
        per_chat: int = 20,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 0.5,
        rng: random.Random | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.platform = platform
        self.bot = bot
        self.limiter = limiter
        self.batch_size = batch_size
        self.per_chat = per_chat
        self.lease = lease
        self.poll_interval = poll_interval
        self.name = f"sender:{platform.channel}"
        self._outage = worker_outage(self.name)  # the database down: logged at start and end
        self._rng = rng or random.Random()
        self._handlers: dict[str, Handler] = {}
        self._sent_hooks: dict[str, SentHook] = {}
        self._topic_hook: TopicHook | None = None
        self._migrated_hook: MigratedHook | None = None
        self._stopping = False
        self._on_close = on_close  # closes the bot's HTTP session when the sender owns the bot
        # called with "sent" | "failed" | "later" per row outcome (metrics); set by the wiring
        self.observer: Callable[[str], None] | None = None

    # -- registry ------------------------------------------------------------------------
    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def on_sent(self, kind: str, hook: SentHook) -> None:
        self._sent_hooks[kind] = hook

    def on_topic_error(self, hook: TopicHook) -> None:
        self._topic_hook = hook

    def on_migrated(self, hook: MigratedHook) -> None:
        self._migrated_hook = hook

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    # -- loops ---------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim one batch and send it; returns how many rows were processed."""
        groups = await self._claim(self.batch_size, ())
        done = await asyncio.gather(*(self._send_group(rows) for rows in groups.values()))
        return sum(done)

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a pipeline full: chats that finish free room for more, so one busy chat
        (1 message/s) never holds up the rest."""
        active: dict[int, asyncio.Task[int]] = {}
        wake = asyncio.Event()
        try:
            while not stop.is_set():
                wake.clear()  # before claiming: a group finishing during the claim still wakes us
                in_flight = len(active)
                claimed = 0
                if in_flight < self.batch_size:
                    try:
                        groups = await self._claim(self.batch_size - in_flight, set(active))
                    except Exception as error:
                        log_worker_failure(self._outage, error, log, f"{self.name}: claim failed")
                        groups = {}
                    else:
                        self._outage.success()
                    for chat_id, rows in groups.items():
                        claimed += len(rows)
                        task = asyncio.create_task(self._send_group(rows))
                        active[chat_id] = task
                        task.add_done_callback(partial(self._finished, active, wake, chat_id))
                if claimed == 0:
                    waiters = [
                        asyncio.ensure_future(stop.wait()),
                        asyncio.ensure_future(wake.wait()),
                    ]
                    await asyncio.wait(
                        waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                    )
                    for waiter in waiters:
                        waiter.cancel()
        finally:
            # groups notice the flag between rows and give their remaining rows back
            self._stopping = True
            if active:
                await asyncio.wait(list(active.values()))
            if self._on_close is not None:
                await self._on_close()

    @staticmethod
    def _finished(
        active: dict[int, asyncio.Task[int]], wake: asyncio.Event, chat_id: int, _: object
    ) -> None:
        active.pop(chat_id, None)
        wake.set()

    async def _claim(
        self, limit: int, busy: set[int] | Sequence[int]
    ) -> dict[int, list[OutboundMessage]]:
        rows = await outbound.claim(
            self.platform.channel, limit=limit, lease=self.lease, busy_chats=busy
        )
        groups: dict[int, list[OutboundMessage]] = defaultdict(list)
        extra = []
        for row in rows:
            if len(groups[row.chat_id]) < self.per_chat:
                groups[row.chat_id].append(row)
            else:
                extra.append(row.id)
        await outbound.release(extra)
        return groups

    async def _send_group(self, rows: list[OutboundMessage]) -> int:
        """One chat's rows in order; a row put off for later holds back the rest."""
        processed = 0
        for index, row in enumerate(rows):
            if self._stopping:
                await outbound.release([r.id for r in rows[index:]])
                break
            processed += 1
            try:
                with log_context(ticket_id=row.ticket_id):  # on the lines this row logs
                    finished = await self._send_row(row)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away mid-row: the lease brings it back
                log.exception("%s: row %s", self.name, row.id)
                finished = False
            if not finished:
                await outbound.release([r.id for r in rows[index + 1 :]])
                break
        return processed

    # -- one row -------------------------------------------------------------------------
    async def _send_row(self, row: OutboundMessage) -> bool:
        """True when the row is finished (sent or failed for good), False when put off."""
        handler = self._handlers.get(row.kind)
        if handler is None:
            # its module may land later: keep the row, never drop it
            log.error("%s: no handler for kind %r (row %s)", self.name, row.kind, row.id)
            await outbound.retry_later(
                row.id, self._backoff(row.attempts), f"no handler for kind {row.kind!r}"
            )
            self._observe("later")
            return False
        job = SendJob(self, row)
        for _ in range(REPAIRS_PER_ROW + 1):
            try:
                result = await handler(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                fault = self.platform.classify(exc)
                verdict = await self._handle_fault(job, fault)
                if verdict == "again":
                    continue
                self._observe(verdict)
                return verdict == "failed"
            # no await between the handler's last platform answer and this write (see
            # SendJob.step's `final`): a kill -9 can only repeat a send still in that gap
            await outbound.mark_sent(row.id, result, row=row)
            self._observe("sent")
            hook = self._sent_hooks.get(row.kind)
            if hook is not None:
                try:
                    await hook(row, result)
                except Exception:  # the message is out; a failing hook must not resend it
                    log.exception("%s: on_sent hook for %s failed", self.name, row.kind)
            return True
        await outbound.retry_later(row.id, self._backoff(row.attempts), "too many repairs")
        self._observe("later")
        return False

    def _observe(self, result: str) -> None:
        if self.observer is not None:
            self.observer(result)

    async def _handle_fault(self, job: SendJob, fault: Fault) -> str:
        """'again' (send now), 'later' (rescheduled) or 'failed'."""
        row = job.message
        error = f"{fault.kind}: {fault.detail}"
        if fault.kind is FaultKind.RETRY_AFTER:
            delay = timedelta(seconds=max(fault.retry_after or 1.0, 0.0))
            await outbound.retry_later(row.id, delay, error)
            return "later"
        if fault.kind is FaultKind.BLOCKED:
            await subscribers.mark_blocked(row.project_id, row.channel, row.chat_id, row.ticket_id)
            await outbound.mark_failed(row.id, error, row=row, blocked=True)
            return "failed"
        if fault.kind is FaultKind.TOO_LONG:
            if job.text_limit <= MIN_TEXT_LIMIT:
                await outbound.mark_failed(row.id, error, row=row)
                return "failed"
            job.progress["text_limit"] = job.text_limit // 2
            job.progress["caption_limit"] = job.caption_limit // 2
            if not job.progress.get("steps") and not job.progress.get("text_ids"):
                job.progress.pop("mode", None)  # nothing went out: the layout may change
            await job.save()
            return "again"
        if fault.kind is FaultKind.MIGRATED and fault.new_chat_id is not None:
            if self._migrated_hook is not None:
                await self._migrated_hook(row, fault.new_chat_id)
            row.chat_id = fault.new_chat_id
            await outbound.update_target(row.id, chat_id=fault.new_chat_id)
            return "again"
        if fault.kind is FaultKind.TOPIC and self._topic_hook is not None and fault.topic_error:
            thread_id = await self._topic_hook(row, fault.topic_error)
            if thread_id is not None:
                row.payload = {**row.payload, "message_thread_id": thread_id}
                await outbound.update_target(row.id, payload=row.payload)
                return "again"
        if fault.kind is FaultKind.PERMANENT:
            log.warning("%s: row %s refused: %s", self.name, row.id, error)
            await outbound.mark_failed(row.id, error, row=row)
            return "failed"
        # transient, or a topic nobody can repair yet: try again later
        if row.attempts + 1 >= MAX_TRANSIENT_ATTEMPTS:
            await outbound.mark_failed(row.id, error, row=row)
            return "failed"
        await outbound.retry_later(row.id, self._backoff(row.attempts), error)
        return "later"

    def _backoff(self, attempts: int) -> timedelta:
        base = BACKOFF[min(attempts, len(BACKOFF) - 1)]
        return timedelta(seconds=base * self._rng.uniform(0.9, 1.1))
