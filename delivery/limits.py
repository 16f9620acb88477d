"""Sliding-window rate limits shared by every sender, in memory or in Redis.

A sliding window log is exact ("at most N in any `period` seconds"), which is how the
platforms count; a token bucket would allow a burst of N plus refills inside one window and
earn a 429 on "20 per minute in a group".
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
import uuid
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


@dataclass(frozen=True)
class Limit:
    key: str
    count: int
    period: float  # seconds


# our windows run a little longer than the platform's: requests sent at the edge of a window
# reach the server a few milliseconds apart from when we counted them (calls paced through
# SendJob steps also count from their answer in this process: see `_Line`)
MARGIN = 0.02


def global_limit(key: str, rate_per_second: float) -> Limit:
    """`rate` per second as "count in period" (7.5/s → 7 per 0.933 s), plus the margin."""
    count = max(1, math.floor(rate_per_second))
    return Limit(key, count, count / rate_per_second * (1 + MARGIN))


class RateLimiter(Protocol):
    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Take one slot in every window at once and return 0.0; or take nothing and return
        how many seconds to wait before asking again."""
        ...


class WaitObserver(Protocol):
    """A limiter that wants to hear about waits (metrics): `acquire` reports each call that
    had to wait for a slot, with how long it waited in all (in line or on its own)."""

    def waited(self, seconds: float) -> None: ...


# A waiter told to wait longer than this steps out of the line and sleeps on its own: a
# group chat's "20 per minute" must not hold up everyone. Shorter waits (the global window,
# at most its period; a private chat's ~1 s) are waited out at the head of the line: stepping
# aside there would shuffle the order at every window and leave some chats behind.
STEP_ASIDE = 1.5


class _Line:
    """This process's waiters on one window (the first limit: the bot's global one).

    `lock` hands over in arrival order. `done` and `in_flight` are the window as the
    platform sees it: a tracked call counts from when it *finished* (its request has
    arrived by then), not from when its slot was granted, so however late a request reaches
    the server, the one that takes its slot a period later cannot arrive within its window.
    """

    def __init__(self, limit: Limit) -> None:
        self.lock = asyncio.Lock()
        self.limit = limit
        self.done: deque[float] = deque()  # finish times of tracked calls, ascending
        self.in_flight = 0  # tracked calls granted, not finished yet

    def wait(self, now: float) -> float:
        period, count = self.limit.period, self.limit.count
        while self.done and self.done[0] <= now - period:
            self.done.popleft()
        room = count - self.in_flight
        if len(self.done) < room:
            return 0.0
        if room <= 0:
            return 0.005  # every slot is on its way: look again shortly
        return self.done[len(self.done) - room] + period - now

    def finished(self, at: float) -> None:
        self.in_flight -= 1
        bisect.insort(self.done, at)


_lines: weakref.WeakKeyDictionary[RateLimiter, dict[str, _Line]] = weakref.WeakKeyDictionary()


def _line(limiter: RateLimiter, limit: Limit) -> _Line:
    lines = _lines.setdefault(limiter, {})
    line = lines.get(limit.key)
    if line is None or line.limit != limit:
        line = lines[limit.key] = _Line(limit)
    return line


class Slot:
    """A granted slot; `finished()` once the call it paced has its answer (tracked only)."""

    def __init__(self, line: _Line | None) -> None:
        self._line = line

    def finished(self) -> None:
        if self._line is not None:
            self._line.finished(time.monotonic())
            self._line = None


async def acquire(
    limiter: RateLimiter,
    limits: Sequence[Limit],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    *,
    track: bool = False,
) -> Slot:
    """Wait until every limit has room, then take it.

    The waiters of one process that share the first window (the bot's global one) take
    turns in arrival order: only the first in line asks the limiter, sleeps until the slot
    it was told about, and hands over as soon as it got through. So a freed slot wakes one
    waiter, not all of them, and chats are served round robin: a backlog over many chats
    drains evenly instead of ending in a tail of a few chats crawling at their own 1/s.

    `track=True`: the caller reports `slot.finished()` after its call, and the first window
    also counts that call from its finish (see `_Line`), which keeps arrival jitter from
    ever crowding the platform's window.
    """
    if not limits:
        return Slot(None)
    line = _line(limiter, limits[0])
    waits = _Waits(limiter)
    while True:
        waits.queued()
        async with line.lock:
            waits.served()
            while True:
                wait = line.wait(time.monotonic())
                if wait <= 0:
                    wait = await limiter.reserve(limits)
                if wait <= 0:
                    waits.report()
                    if not track:
                        return Slot(None)
                    line.in_flight += 1
                    return Slot(line)
                if wait > STEP_ASIDE:
                    break
                await waits.sleep(sleep, wait)
        await waits.sleep(sleep, wait)  # out of line: back at its end afterwards


# time spent waiting for the line's lock below this is a turn being handed over, not a wait
LOCK_WAIT_NOTICED = 0.002


class _Waits:
    """How long one `acquire` waited: its own sleeps (the line's window, the limiter's answer,
    a long wait out of line) plus the time it queued behind the waiter at the head of the
    line. Reported once, when the slot is granted, to a limiter that observes waits."""

    def __init__(self, limiter: RateLimiter) -> None:
        observe = getattr(limiter, "waited", None)
        self._observe: Callable[[float], None] | None = observe if callable(observe) else None
        self.seconds = 0.0
        self._slept = False
        self._queued_at = 0.0

    def queued(self) -> None:
        self._queued_at = time.monotonic()

    def served(self) -> None:
        queued = time.monotonic() - self._queued_at
        if queued >= LOCK_WAIT_NOTICED:
            self.seconds += queued
            self._slept = True

    async def sleep(self, sleep: Callable[[float], Awaitable[None]], seconds: float) -> None:
        self._slept = True
        self.seconds += seconds
        await sleep(seconds)

    def report(self) -> None:
        if self._slept and self._observe is not None:
            self._observe(self.seconds)


class MemoryLimiter:
    """For one process (the laptop setup); `now` is injectable for tests."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._log: dict[str, deque[float]] = {}
        self._lock = asyncio.Lock()

    async def reserve(self, limits: Sequence[Limit]) -> float:
        async with self._lock:
            now = self._now()
            wait = 0.0
            for limit in limits:
                log = self._log.setdefault(limit.key, deque())
                while log and log[0] <= now - limit.period:
                    log.popleft()
                if len(log) >= limit.count:
                    wait = max(wait, log[len(log) - limit.count] + limit.period - now)
            if wait > 0:
                return wait
            for limit in limits:
                self._log[limit.key].append(now)
            self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        # private chats come and go: drop empty logs now and then so memory stays bounded
        if len(self._log) > 10_000:
            for key in [k for k, log in self._log.items() if not log or log[-1] < now - 3600]:
                del self._log[key]


# KEYS: one sorted set per limit. ARGV: member, then count and period (ms) per key.
# Time comes from the Redis server, so processes on several machines share one clock.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[2 * i])
  local period = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  local used = redis.call('ZCARD', key)
  if used >= count then
    local oldest = redis.call('ZRANGE', key, used - count, used - count, 'WITHSCORES')
    local w = tonumber(oldest[2]) + period - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]) + 1000)
end
return 0
"""


class RedisLimiter:
    """Shared by every process using the same Redis: one set of windows per bot."""

    def __init__(self, redis: Redis, prefix: str = "hd:rl:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_RESERVE)

    async def reserve(self, limits: Sequence[Limit]) -> float:
        keys = [self._prefix + limit.key for limit in limits]
        args: list[str | int] = [uuid.uuid4().hex]
        for limit in limits:
            args += [limit.count, max(1, round(limit.period * 1000))]
        wait_ms = await self._script(keys=keys, args=args)
        return int(wait_ms) / 1000.0
