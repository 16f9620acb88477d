"""Fixed-window request counters: per project (requests/min) and per project and polled
request id (requests/s).

The counter lives in Redis when the process has one, so every API process shares it;
otherwise in this process's memory (the single-process laptop setup).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from services import clock

log = logging.getLogger(__name__)

PROJECT_WINDOW = 60  # seconds: Project.rate_limit is requests per minute
POLL_LIMIT = 5  # request-status polls per project and request id ...
POLL_WINDOW = 1  # ... per second
_MEMORY_MAX_KEYS = 10_000


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends (also the Retry-After when refused)
    window: int


class Counter(Protocol):
    async def incr(self, key: str, window: int, ttl: int) -> int:
        """Count one hit in the window `window` of `key`; returns the hits so far."""
        ...


class MemoryCounter:
    """Counts in this process; old windows are dropped when the table grows."""

    def __init__(self) -> None:
        self._hits: dict[str, tuple[int, int]] = {}

    async def incr(self, key: str, window: int, ttl: int) -> int:
        current, count = self._hits.get(key, (window, 0))
        count = count + 1 if current == window else 1
        self._hits[key] = (window, count)
        if len(self._hits) > _MEMORY_MAX_KEYS:
            self._hits = {k: v for k, v in self._hits.items() if v[0] >= window}
        return count


# INCR, and EXPIRE on the first hit of the window: atomic (a script runs alone), one command
# (EVALSHA) per request instead of MULTI/INCR/EXPIRE/EXEC, and the key disappears after its
# window.
_INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisCounter:
    """One counter key per window in Redis, shared by every API process."""

    def __init__(self, redis: Redis, prefix: str = "hd:rl:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._incr = redis.register_script(_INCR_SCRIPT)  # EVALSHA, loaded on first NOSCRIPT

    async def incr(self, key: str, window: int, ttl: int) -> int:
        count = await self._incr(keys=[f"{self.prefix}{key}:{window}"], args=[ttl])
        return int(count)


class RateLimiter:
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    @classmethod
    def for_redis(cls, redis: Redis | None) -> RateLimiter:
        return cls(RedisCounter(redis) if redis is not None else MemoryCounter())

    async def hit(self, key: str, limit: int, period: int) -> Decision:
        """Count a request against `limit` per `period` seconds (limit 0 = unlimited)."""
        now = clock.now().timestamp()
        window = int(now // period)
        reset = max(1, math.ceil((window + 1) * period - now))
        if limit <= 0:
            return Decision(True, 0, 0, reset, period)
        try:
            count = await self.counter.incr(key, window, period + 1)
        except Exception:  # a Redis outage must not take the whole API down: fail open
            # at DEBUG: helpdesk.runtime.RedisWatch says once that Redis is unreachable
            log.debug("rate limit counter unavailable; request allowed", exc_info=True)
            return Decision(True, limit, limit, reset, period)
        return Decision(count <= limit, limit, max(0, limit - count), reset, period)

    async def hit_project(self, project_id: object, limit: int) -> Decision:
        return await self.hit(f"project:{project_id}", limit, PROJECT_WINDOW)

    async def hit_poll(self, project_id: object, request_id: str) -> Decision:
        """Keyed by the project too: one project's polls never count against another's."""
        return await self.hit(f"poll:{project_id}:{request_id}", POLL_LIMIT, POLL_WINDOW)
