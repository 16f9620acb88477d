"""Sliding-window rate limits shared by every sender, in memory or in Redis.

A sliding window log is exact ("at most N in any `period` seconds"), which is how the
platforms count; a token bucket would allow a burst of N plus refills inside one window and
earn a 429 on "20 per minute in a group".
"""

from __future__ import annotations

import asyncio
import time
import uuid
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


class RateLimiter(Protocol):
    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Take one slot in every window at once and return 0.0; or take nothing and return
        how many seconds to wait before asking again."""
        ...


async def acquire(
    limiter: RateLimiter,
    limits: Sequence[Limit],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Wait until every limit has room, then take it."""
    while True:
        wait = await limiter.reserve(limits)
        if wait <= 0:
            return
        await sleep(wait)


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
