"""What names a MAX update in the store of updates handled (services/seen_updates.py).

MAX updates carry no update id (Telegram's `update_id`): the identity is taken from the
update itself — a button press by its `callback_id`, a new message by its `mid`, anything
else by a digest of the whole update (its `timestamp` included), which a redelivery repeats
byte for byte in meaning. Webhook and long polling both claim updates by these keys.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from services.seen_updates import SeenUpdates

if TYPE_CHECKING:
    from redis.asyncio import Redis


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


def event_identity(event: Any) -> str:
    """`update_identity` of an update maxapi parsed (long polling hands over no raw JSON):
    the same key as the raw update for messages and button presses, so a switch between
    webhook and polling keeps them de-duplicated; a digest of the parsed update otherwise."""
    return update_identity(event.model_dump(mode="json"))


def seen_max_updates(redis: Redis | None) -> SeenUpdates:
    """The store of MAX updates handled (Redis keys `hd:max:update:<identity>`)."""
    return SeenUpdates(redis, "hd:max:update:")
