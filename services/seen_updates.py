"""Bot updates already handled, so a webhook redelivery is not handled twice.

One store for both messengers: each bot names its updates (Telegram by `update_id`, MAX by
what the update carries, see bot/max/seen.py) under its own key prefix. Kept in Redis when
configured (every bots process shares it), in memory otherwise, for a day.
"""

from __future__ import annotations

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

    async def claim(self, key: str | int) -> bool:
        """True for the first delivery of this update (it is now ours to handle). A key is
        a string or Telegram's int `update_id` (kept as it is in memory: no text per update)."""
        if self.redis is not None:
            name = self.prefix + str(key)
            return bool(await self.redis.set(name, 1, nx=True, ex=SEEN_TTL_SECONDS))
        if key in self._memory:
            return False
        self._memory[key] = None
        if len(self._memory) > self.capacity:
            self._memory.popitem(last=False)
        return True

    async def release(self, key: str | int) -> None:
        """Handling failed: let the messenger's redelivery through."""
        if self.redis is not None:
            await self.redis.delete(self.prefix + str(key))
        else:
            self._memory.pop(key, None)
