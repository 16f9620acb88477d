"""MAX webhook updates already handled, so a redelivery is not handled twice.

MAX updates carry no update id (Telegram's `update_id`): the identity is taken from the
update itself — a button press by its `callback_id`, a new message by its `mid`, anything
else by a digest of the whole update (its `timestamp` included), which a redelivery repeats
byte for byte in meaning. Kept in Redis when configured (every bots process shares it),
in memory otherwise, for a day.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from redis.asyncio import Redis

SEEN_TTL_SECONDS = 24 * 3600  # MAX stops redelivering long before this


def _chat_of(update: dict[str, Any]) -> Any:
    message = update.get("message") or {}
    return (message.get("recipient") or {}).get("chat_id", update.get("chat_id"))


def update_identity(update: dict[str, Any]) -> str:
    """A key that is the same for every delivery of one update and differs between updates."""
    kind = str(update.get("update_type") or "")
    chat = _chat_of(update)
    if kind == "message_callback":
        callback_id = (update.get("callback") or {}).get("callback_id")
        if callback_id:
            return f"cb:{chat}:{callback_id}"
    if kind == "message_created":
        mid = ((update.get("message") or {}).get("body") or {}).get("mid")
        if mid:
            return f"mc:{chat}:{mid}"
    # edits, removals, starts, ...: one message may be edited twice, so the whole update
    canonical = json.dumps(update, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{kind}:{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


class SeenMaxUpdates:
    """Update identities already taken: in Redis (shared by every process) or in memory."""

    def __init__(self, redis: Redis | None, capacity: int = 50_000) -> None:
        self.redis = redis
        self.prefix = "hd:max:update:"
        self.capacity = capacity
        self._memory: OrderedDict[str, None] = OrderedDict()

    async def claim(self, key: str) -> bool:
        """True for the first delivery of this update (it is now ours to handle)."""
        if self.redis is not None:
            return bool(await self.redis.set(self.prefix + key, 1, nx=True, ex=SEEN_TTL_SECONDS))
        if key in self._memory:
            return False
        self._memory[key] = None
        if len(self._memory) > self.capacity:
            self._memory.popitem(last=False)
        return True

    async def release(self, key: str) -> None:
        """Handling failed: let MAX's redelivery through."""
        if self.redis is not None:
            await self.redis.delete(self.prefix + key)
        else:
            self._memory.pop(key, None)
