"""The media of one Telegram message, as the stored attachment dicts (customer chat and agent
group alike). Files are kept as Telegram file ids: the bot that sends them on is the same bot."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message

MEDIA_KINDS = ("document", "video", "voice", "audio", "animation", "video_note")


def attachments_of(message: Message, *, mime_type: bool = True) -> list[dict[str, Any]]:
    """The biggest size of a photo, then any other media, each as one attachment; the agent
    side keeps each file's `mime_type` too, a customer's files are stored without it."""
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
