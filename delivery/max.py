"""MAX: limits, fault classification and the `customer_text` kind (maxapi Bot)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from maxapi import Bot
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import InvalidToken, MaxApiError, MaxConnection
from maxapi.types.attachments.attachment import ButtonsPayload
from maxapi.types.attachments.buttons import CallbackButton, LinkButton
from maxapi.types.attachments.upload import AttachmentPayload, AttachmentUpload
from maxapi.types.input_media import InputMediaBuffer

from delivery.files import Fetched, without_detected_extension
from delivery.limits import Limit, RateLimiter, global_limit
from delivery.send_job import SendJob
from delivery.sender import Fault, FaultKind, MessengerSender
from services.messages import NOTIFICATION
from services.notifications import CUSTOMER_TEXT

if TYPE_CHECKING:
    from helpdesk.settings import Settings

CHANNEL = "max"
TEXT_LIMIT = 4000
# our attachment kinds → MAX's upload types (anything else goes as a file)
UPLOAD_TYPE = {
    "photo": UploadType.IMAGE,
    "video": UploadType.VIDEO,
    "audio": UploadType.AUDIO,
    "voice": UploadType.AUDIO,
    "document": UploadType.FILE,
}


def upload_type(kind: object) -> UploadType:
    return UPLOAD_TYPE.get(str(kind), UploadType.FILE)


class MaxPlatform:
    channel = CHANNEL
    text_limit = TEXT_LIMIT
    caption_limit = TEXT_LIMIT  # MAX messages carry text and attachments together
    measure = staticmethod(lambda text: len(text))  # MAX counts characters

    def __init__(self, rate_per_second: float = 30.0, bot_key: str = "max") -> None:
        self._limits = [global_limit(f"{bot_key}:all", rate_per_second)]

    def limits_for(self, chat_id: int) -> list[Limit]:
        return self._limits

    def classify(self, exc: BaseException) -> Fault:
        if isinstance(exc, MaxApiError):
            raw = exc.raw
            detail = (json.dumps(raw, ensure_ascii=False) if isinstance(raw, dict) else raw)[:300]
            lowered = detail.lower()
            if exc.code == 429:
                retry = raw.get("retry_after") if isinstance(raw, dict) else None
                return Fault(FaultKind.RETRY_AFTER, detail, retry_after=float(retry or 1))
            if exc.code == 403:
                return Fault(FaultKind.BLOCKED, detail)
            if exc.code == 400 and any(s in lowered for s in ("too long", "length", "size must")):
                return Fault(FaultKind.TOO_LONG, detail)
            if exc.code >= 500 or exc.code == 401:
                return Fault(FaultKind.TRANSIENT, f"HTTP {exc.code}: {detail}")
            return Fault(FaultKind.PERMANENT, f"HTTP {exc.code}: {detail}")
        if isinstance(exc, MaxConnection | InvalidToken | aiohttp.ClientError | TimeoutError):
            return Fault(FaultKind.TRANSIENT, str(exc)[:300])
        return Fault(FaultKind.TRANSIENT, f"{type(exc).__name__}: {str(exc)[:300]}")


def attachments_for(payload: dict[str, Any]) -> list[Any]:
    """Files by their MAX token, then the inline keyboard (MAX sends buttons as an attachment)."""
    result: list[Any] = [
        AttachmentUpload(
            type=upload_type(a.get("kind")),
            payload=AttachmentPayload(token=str(a["file_id"])),
        )
        for a in payload.get("attachments") or []
    ]
    rows = payload.get("buttons")
    if rows:
        buttons = [
            [
                LinkButton(text=b["text"], url=b["url"])
                if "url" in b
                else CallbackButton(text=b["text"], payload=b["data"])
                for b in row
            ]
            for row in rows
        ]
        result.append(ButtonsPayload(buttons=buttons).pack())  # type: ignore[arg-type]
    return result


async def upload_file(bot: Bot, item: dict[str, Any], fetched: Fetched) -> str:
    """Upload to MAX; returns the attachment token a message can carry."""
    name = without_detected_extension(fetched.name, fetched.content)
    media = InputMediaBuffer(fetched.content, filename=name, type=upload_type(item.get("kind")))
    uploaded = await bot.upload_media(media)
    return str(uploaded.payload.token)


def _message_id(sent: Any) -> str | None:
    return sent.message.body.mid if sent is not None and sent.message else None


async def send_customer_text(job: SendJob) -> dict[str, Any]:
    return await send_text_and_files(job, (job.payload.get("text") or "").strip(), job.payload)


async def send_text_and_files(job: SendJob, text: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Text in parts of ≤ 4000; the last part carries the files and the keyboard. The
    caller returns what this returns at once (its last call is `final`)."""
    bot: Bot = job.bot
    extras = attachments_for(payload)
    if not text:
        mid = await job.step(
            "attachments",
            lambda: bot.send_message(chat_id=job.chat_id, attachments=extras),
            _message_id,
            final=True,
        )
        return {"message_ids": [mid]}

    def send_part(part: str, last: bool) -> Any:
        return bot.send_message(
            chat_id=job.chat_id, text=part, attachments=extras if last and extras else None
        )

    return {"message_ids": await job.send_text(text, send_part, _message_id, final=True)}


def setup(sender: Any) -> None:
    sender.register(CUSTOMER_TEXT, send_customer_text)
    sender.register(NOTIFICATION, send_customer_text)  # a subscriber message: text + keyboard


def create_sender(
    settings: Settings, bot: Bot | None, limiter: RateLimiter, lease: timedelta
) -> MessengerSender:
    """The MAX sender with its kinds. A bot passed in is its owner's to close; without one,
    a bot is made from the token (the server of MAX_API_BASE) and closed with the sender."""
    on_close = None
    if bot is None:
        assert settings.max_bot_token is not None
        bot = Bot(settings.max_bot_token.get_secret_value(), auto_requests=False)
        if settings.max_api_base:
            bot.set_api_url(settings.max_api_base)
        on_close = bot.close_session
    platform = MaxPlatform(settings.max_rate_per_second)
    sender = MessengerSender(platform, bot, limiter, lease=lease, on_close=on_close)
    setup(sender)
    return sender
