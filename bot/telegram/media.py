"""The files a Telegram message carries, as a ticket stores them (Telegram file ids)."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message

MEDIA_KINDS = ("document", "video", "voice", "audio", "animation", "video_note")


def attachments_of(message: Message, *, mime_type: bool = False) -> list[dict[str, Any]]:
    """The photo (its biggest size) and the other media of one message; with `mime_type`,
    each file's type as Telegram names it (the agent side passes it on)."""
    found: list[dict[str, Any]] = []
    if message.photo:
        biggest = message.photo[-1]
        found.append(
            {"kind": "photo", "file_id": biggest.file_id, "name": None, "size": biggest.file_size}
        )
    for kind in MEDIA_KINDS:
        media = getattr(message, kind, None)
        if media is None:
            continue
        item = {
            "kind": kind,
            "file_id": media.file_id,
            "name": getattr(media, "file_name", None),
            "size": media.file_size,
        }
        if mime_type:
            item["mime_type"] = getattr(media, "mime_type", None)
        found.append(item)
    return found
