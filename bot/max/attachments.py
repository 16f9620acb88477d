"""What a MAX customer sends, as the ticket stores it.

Attachments use the Telegram kind names (photo, document, video, audio) so the thread, the
agent topic and the senders read one vocabulary; `platform: "max"` marks the `file_id` as a
MAX token (resent by token in MAX) and `url` is where the agent side downloads it from.
"""

from __future__ import annotations

from typing import Any

from maxapi.types.message import Message

from services.customer_views import DraftPart

PLATFORM = "max"
_KINDS = {"image": "photo", "file": "document", "video": "video", "audio": "audio"}


def _field(obj: Any, name: str) -> Any:
    return getattr(obj, name, None)


def attachment_of(att: Any) -> dict[str, Any] | None:
    """One MAX attachment → a stored attachment; stickers, contacts, keyboards → None."""
    kind = _KINDS.get(str(_field(att, "type")))
    payload = _field(att, "payload")
    token = _field(att, "token") or _field(payload, "token")  # a video's token is top level
    if kind is None or not token:
        return None
    return {
        "kind": kind,
        "file_id": token,
        "name": _field(att, "filename"),
        "size": _field(att, "size"),
        "url": _field(payload, "url"),
        "platform": PLATFORM,
    }


def part_of(message: Message) -> DraftPart:
    body = message.body
    if body is None:
        return DraftPart()
    found = [a for a in (attachment_of(att) for att in (body.attachments or [])) if a]
    return DraftPart(text=body.text or "", attachments=found, message_id=body.mid)


def is_max_file(item: dict[str, Any]) -> bool:
    return item.get("platform") == PLATFORM
