"""Files across messengers: a MAX customer's file becomes a real Telegram photo/document for
the agents, an agent's Telegram file a real MAX image/file for the customer.

Neither platform accepts the other's file ids, so the bytes are downloaded and uploaded again,
within the limits the platforms set; what does not fit is reported (name and size) instead.
This module holds what needs no SDK; the download from Telegram is `delivery.telegram.
fetch_file`, the upload to MAX `delivery.max.upload_file`.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from typing import Any

import aiohttp
import puremagic

from services.i18n import Translator

log = logging.getLogger(__name__)

MB = 1024 * 1024
TELEGRAM_UPLOAD_LIMIT = 50 * MB  # what a bot may upload (sendDocument & co)
TELEGRAM_PHOTO_LIMIT = 10 * MB  # sendPhoto; a bigger image goes as a document
TELEGRAM_DOWNLOAD_LIMIT = 20 * MB  # getFile: the Bot API serves files up to 20 MB
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=15)

_DEFAULT_NAMES = {"photo": "photo.jpg", "video": "video.mp4", "audio": "audio.mp3"}


class TooLarge(Exception):
    """The file is over a platform limit; `size` is what we know of it (bytes, or None)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(f"file too large ({size} bytes)")
        self.size = size


class Unavailable(Exception):
    """The platform does not give the file (unknown or expired id): retrying cannot help."""


@dataclass(frozen=True)
class Fetched:
    content: bytes
    name: str


def file_name(item: dict[str, Any]) -> str:
    return str(item.get("name") or _DEFAULT_NAMES.get(str(item.get("kind")), "file"))


def size_text(size: int | None, t: Translator) -> str:
    if not size:
        return t("file-size-unknown")
    if size >= MB:
        return t("file-size-mb", size=round(size / MB, 1))
    return t("file-size-kb", size=max(1, round(size / 1024)))


async def download(url: str, limit: int) -> bytes:
    """GET a file, refusing it (TooLarge) as soon as it is known to exceed `limit`."""
    async with (
        aiohttp.ClientSession(timeout=DOWNLOAD_TIMEOUT) as session,
        session.get(url) as response,
    ):
        response.raise_for_status()
        if response.content_length is not None and response.content_length > limit:
            raise TooLarge(response.content_length)
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.content.iter_chunked(256 * 1024):
            received += len(chunk)
            if received > limit:
                raise TooLarge(response.content_length or received)
            chunks.append(chunk)
        return b"".join(chunks)


async def fetch_max_file(item: dict[str, Any]) -> Fetched:
    """A MAX attachment's bytes from its URL, within what a Telegram bot may upload."""
    size = item.get("size")
    if isinstance(size, int) and size > TELEGRAM_UPLOAD_LIMIT:
        raise TooLarge(size)
    return Fetched(await download(str(item["url"]), TELEGRAM_UPLOAD_LIMIT), file_name(item))


def telegram_method(kind: str, size: int) -> str:
    """A MAX image goes as a photo while Telegram takes it as one; anything else a document."""
    return "photo" if kind == "photo" and size <= TELEGRAM_PHOTO_LIMIT else "document"


def without_detected_extension(name: str, content: bytes) -> str:
    """maxapi appends the extension it detects from the content to every uploaded name
    ("bill.pdf" would arrive as "bill.pdf.pdf"): drop that extension from ours first."""
    try:
        matches = puremagic.magic_string(content[:4096])
    except (OSError, ValueError, puremagic.PureError):
        return name
    ext = mimetypes.guess_extension(matches[0].mime_type) if matches else None
    if ext and name.lower().endswith(ext) and len(name) > len(ext):
        return name[: -len(ext)]
    return name


def max_kind(item: dict[str, Any]) -> str:
    """The stored kind MAX resends under (voice and animations have no MAX type of their own)."""
    kind = str(item.get("kind"))
    return (
        kind if kind in ("photo", "video", "audio") else "audio" if kind == "voice" else "document"
    )
