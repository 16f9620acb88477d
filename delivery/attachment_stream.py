"""A stored attachment's bytes, fetched from its messenger for the web console to stream.

Telegram files go through the Bot API (`getFile`, then its file URL, which carries the bot
token): the browser only ever sees the console's own URL. MAX attachments carry a download
URL of their own. Plain HTTP here (no SDK): the API role does not load aiogram.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from delivery.files import DOWNLOAD_TIMEOUT, TELEGRAM_DOWNLOAD_LIMIT, Unavailable
from helpdesk.settings import Settings

log = logging.getLogger(__name__)
TELEGRAM_API = "https://api.telegram.org"


async def _telegram_file_url(
    session: aiohttp.ClientSession, settings: Settings, file_id: str
) -> str:
    if settings.telegram_bot_token is None:
        raise Unavailable("no Telegram bot configured")
    token = settings.telegram_bot_token.get_secret_value()
    base = (settings.telegram_api_base or TELEGRAM_API).rstrip("/")
    async with session.get(f"{base}/bot{token}/getFile", params={"file_id": file_id}) as answer:
        data = await answer.json(content_type=None)
    result = data.get("result") if isinstance(data, dict) and data.get("ok") else None
    if not isinstance(result, dict) or not result.get("file_path"):
        raise Unavailable("Telegram does not give this file")
    if int(result.get("file_size") or 0) > TELEGRAM_DOWNLOAD_LIMIT:
        raise Unavailable("the file is larger than the Bot API serves")
    return f"{base}/file/bot{token}/{result['file_path']}"


@contextlib.asynccontextmanager
async def open_attachment(
    settings: Settings, item: dict[str, Any]
) -> AsyncIterator[aiohttp.ClientResponse]:
    """The messenger's answer with the file's body, ready to stream; Unavailable when the
    messenger does not give it. Errors never carry the URL (it holds the bot token)."""
    try:
        async with aiohttp.ClientSession(timeout=DOWNLOAD_TIMEOUT) as session:
            if item.get("platform") == "max":
                url = item.get("url")
                if not url:
                    raise Unavailable("the MAX attachment has no download URL")
            else:
                url = await _telegram_file_url(session, settings, str(item.get("file_id")))
            async with session.get(str(url)) as response:
                if response.status != 200:
                    raise Unavailable(f"the messenger answered {response.status}")
                yield response
    except aiohttp.ClientError as error:
        log.warning("attachment download failed: %s", type(error).__name__)
        raise Unavailable("the messenger could not be reached") from None
