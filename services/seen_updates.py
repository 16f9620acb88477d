"""Bot updates already handled, so a webhook redelivery is not handled twice.

One store for both messengers: each bot names its updates (Telegram by `update_id`, MAX by
what the update carries, see bot/max/seen.py) under its own key prefix. Kept in Redis when
configured (every bots process shares it), in memory otherwise, for a day.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

SEEN_TTL_SECONDS = 24 * 3600  # the messengers stop redelivering long before this


class SeenUpdates:
    """Update keys already taken: in Redis (shared by every process) or in memory."""

    def __init__(self, redis: Redis | None, prefix: str, capacity: int = 50_000) -> None:
        self.redis = redis
        self.prefix = prefix
        self.capacity = capacity
        self._memory: OrderedDict[str | int, None] = OrderedDict()
        # claims whose answer never came (Redis timed out): the SET may still be carried out
        # once Redis reads it, so the redelivery would find the key set by a failed attempt
        self._uncertain: OrderedDict[str, str] = OrderedDict()

    async def claim(self, key: str | int) -> bool:
        """True for the first delivery of this update (it is now ours to handle). A key is
        a string or Telegram's int `update_id` (kept as it is in memory: no text per update)."""
        if self.redis is not None:
            return await self._claim_in_redis(self.prefix + str(key))
        if key in self._memory:
            return False
        self._memory[key] = None
        if len(self._memory) > self.capacity:
            self._memory.popitem(last=False)
        return True

    async def _claim_in_redis(self, name: str) -> bool:
        assert self.redis is not None
        token = uuid.uuid4().hex
        try:
            if await self.redis.set(name, token, nx=True, ex=SEEN_TTL_SECONDS):
                return True
        except Exception:
            self._uncertain[name] = token
            if len(self._uncertain) > 1_000:
                self._uncertain.popitem(last=False)
            raise
        orphan = self._uncertain.pop(name, None)
        if orphan is not None and await self.redis.get(name) == orphan.encode():
            return True  # set by our own attempt that timed out: this delivery takes it over
        return False

    async def release(self, key: str | int) -> None:
        """Handling failed: let the messenger's redelivery through."""
        if self.redis is not None:
            await self.redis.delete(self.prefix + str(key))
        else:
            self._memory.pop(key, None)
