"""Telegram's rules, in one place: limits, the media methods, the error vocabulary (faults and
forum-topic errors), the caption/split decisions of `customer_text`, and the file download
for MAX (aiogram Bot). Imported only by a process that runs or sends for a Telegram bot."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from delivery.files import (
    TELEGRAM_DOWNLOAD_LIMIT,
    Fetched,
    TooLarge,
    Unavailable,
    fetch_max_file,
    file_name,
    telegram_method,
)
from delivery.limits import Limit, RateLimiter, global_limit
from delivery.send_job import SendJob
from delivery.sender import Fault, FaultKind, MessengerSender
from delivery.text import utf16_len
from services.messages import NOTIFICATION
from services.notifications import CUSTOMER_TEXT

if TYPE_CHECKING:
    from helpdesk.settings import Settings

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PRIVATE_PER_SECOND = 1  # Telegram: about one message per second in a private chat
GROUP_PER_MINUTE = 20  # and at most 20 per minute in a group
# per chat the margin costs no throughput (many chats share the global rate), so it is wide:
# a reply that waited on the database still never lands inside the previous second
CHAT_MARGIN = 0.1


# kind of attachment → (Bot method, its file argument)
MEDIA_METHODS = {
    "photo": ("send_photo", "photo"),
    "document": ("send_document", "document"),
    "video": ("send_video", "video"),
    "voice": ("send_voice", "voice"),
    "audio": ("send_audio", "audio"),
    "animation": ("send_animation", "animation"),
    "video_note": ("send_video_note", "video_note"),
}
CAPTIONLESS = frozenset({"video_note"})  # sendVideoNote takes no caption
# what a customer gets as itself; animations and round videos reach a customer as files
CUSTOMER_MEDIA = frozenset({"photo", "document", "video", "voice", "audio"})


class TopicError(StrEnum):
    """Why a send into a forum topic was refused: the one vocabulary of the sender's topic
    hook and the agent-group publisher."""

    GONE = "thread_not_found"  # deleted (or never existed)
    CLOSED = "topic_closed"


_GONE_MARKERS = ("thread not found", "topic_deleted", "topic_id_invalid")


def topic_error(error: BaseException) -> TopicError | None:
    """GONE / CLOSED for Telegram's forum-topic refusals, else None."""
    if not isinstance(error, TelegramBadRequest):
        return None
    text = str(error.message).lower()
    if "topic_closed" in text:
        return TopicError.CLOSED
    if any(marker in text for marker in _GONE_MARKERS):
        return TopicError.GONE
    return None


class TelegramPlatform:
    channel = CHANNEL
    text_limit = TEXT_LIMIT
    caption_limit = CAPTION_LIMIT
    measure = staticmethod(utf16_len)

    def __init__(self, rate_per_second: float = 30.0, bot_key: str = "tg") -> None:
        self._global = global_limit(f"{bot_key}:all", rate_per_second)
        self._key = bot_key

    def limits_for(self, chat_id: int) -> list[Limit]:
        if chat_id < 0:
            chat = Limit(f"{self._key}:group:{chat_id}", GROUP_PER_MINUTE, 60.0 + CHAT_MARGIN)
        else:
            chat = Limit(f"{self._key}:chat:{chat_id}", PRIVATE_PER_SECOND, 1.0 + CHAT_MARGIN)
        return [self._global, chat]

    def classify(self, exc: BaseException) -> Fault:
        detail = str(getattr(exc, "message", None) or exc)[:300]
        if isinstance(exc, TelegramRetryAfter):
            return Fault(FaultKind.RETRY_AFTER, detail, retry_after=float(exc.retry_after))
        if isinstance(exc, TelegramForbiddenError):
            return Fault(FaultKind.BLOCKED, detail)
        if isinstance(exc, TelegramMigrateToChat):
            return Fault(FaultKind.MIGRATED, detail, new_chat_id=exc.migrate_to_chat_id)
        if isinstance(exc, TelegramBadRequest):
            topic = topic_error(exc)
            if topic is not None:
                return Fault(FaultKind.TOPIC, detail, topic_error=topic)
            if "too long" in detail.lower():
                return Fault(FaultKind.TOO_LONG, detail)
            return Fault(FaultKind.PERMANENT, detail)
        if isinstance(exc, TelegramNotFound):
            return Fault(FaultKind.PERMANENT, detail)
        if isinstance(
            exc, TelegramNetworkError | TelegramServerError | aiohttp.ClientError | TimeoutError
        ):
            return Fault(FaultKind.TRANSIENT, detail)
        # unknown errors (bad token, conflicts, bugs) are retried: never lose a message
        return Fault(FaultKind.TRANSIENT, f"{type(exc).__name__}: {detail}")


def keyboard(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b["text"], url=b["url"])
                if "url" in b
                else InlineKeyboardButton(text=b["text"], callback_data=b["data"])
                for b in row
            ]
            for row in rows
        ]
    )


async def send_attachment(
    bot: Bot,
    chat_id: int,
    attachment: dict[str, Any],
    *,
    caption: str | None,
    markup: InlineKeyboardMarkup | None,
    thread_id: int | None,
) -> Any:
    kind = str(attachment.get("kind"))
    method, field = MEDIA_METHODS[kind if kind in CUSTOMER_MEDIA else "document"]
    file: Any = attachment["file_id"]
    if attachment.get("platform") == "max" and attachment.get("url"):
        # an agent's file from a MAX agent chat: a MAX token means nothing to Telegram, so
        # the file is downloaded from MAX and uploaded (within the bot upload limit)
        fetched = await fetch_max_file(attachment)
        file = BufferedInputFile(fetched.content, filename=fetched.name)
        method, field = MEDIA_METHODS[telegram_method(kind, len(fetched.content))]
    return await getattr(bot, method)(
        chat_id=chat_id,
        **{field: file},
        caption=caption,
        parse_mode=None,
        reply_markup=markup,
        message_thread_id=thread_id,
    )


def _message_id(message: Any) -> int:
    return int(message.message_id)


async def send_customer_text(job: SendJob) -> dict[str, Any]:
    """Text (split when long) and attachments; the keyboard goes on the last message; the
    text rides as the first attachment's caption when it fits. The result says what was
    decided: the messages sent, and `sent_as_caption` (an edit of the text edits a caption)."""
    bot: Bot = job.bot
    payload = job.payload
    text = (payload.get("text") or "").strip()
    attachments: list[dict[str, Any]] = list(payload.get("attachments") or [])
    markup = keyboard(payload.get("buttons"))
    thread_id = payload.get("message_thread_id")
    mode = job.progress.get("mode")
    if mode is None:
        mode = "caption" if attachments and text and job.fits_caption(text) else "text"
        job.progress["mode"] = mode
    ids: list[Any] = []
    if mode == "text" and text:

        def send_part(part: str, last: bool) -> Any:
            return bot.send_message(
                chat_id=job.chat_id,
                text=part,
                parse_mode=None,
                reply_markup=markup if last and not attachments else None,
                message_thread_id=thread_id,
            )

        ids += await job.send_text(text, send_part, _message_id, final=not attachments)
    for index, attachment in enumerate(attachments):
        call = partial(
            send_attachment,
            bot,
            job.chat_id,
            attachment,
            caption=text if mode == "caption" and index == 0 else None,
            markup=markup if index == len(attachments) - 1 else None,
            thread_id=thread_id,
        )
        last = index == len(attachments) - 1
        ids.append(await job.step(f"attachment:{index}", call, _message_id, final=last))
    return {"message_ids": ids, "sent_as_caption": mode == "caption"}


async def fetch_file(bot: Bot, item: dict[str, Any]) -> Fetched:
    """A Telegram file's bytes (to send it on to MAX): TooLarge over what getFile serves,
    Unavailable when Telegram does not know the file id (any more)."""
    size = item.get("size")
    if isinstance(size, int) and size > TELEGRAM_DOWNLOAD_LIMIT:
        raise TooLarge(size)
    try:
        file = await bot.get_file(str(item["file_id"]))
    except TelegramBadRequest as error:
        if "too big" in error.message.lower():
            raise TooLarge(size if isinstance(size, int) else None) from error
        raise Unavailable(str(error)) from error
    if file.file_size and file.file_size > TELEGRAM_DOWNLOAD_LIMIT:
        raise TooLarge(file.file_size)
    if not file.file_path:
        raise TooLarge(file.file_size)
    buffer = await bot.download_file(file.file_path)
    assert buffer is not None  # no destination given: aiogram returns a BytesIO
    return Fetched(buffer.read(), file_name(item))


def setup(sender: Any) -> None:
    """The kinds this module sends."""
    sender.register(CUSTOMER_TEXT, send_customer_text)
    sender.register(NOTIFICATION, send_customer_text)  # a subscriber message: text + keyboard


def create_sender(
    settings: Settings, bot: Bot | None, limiter: RateLimiter, lease: timedelta
) -> MessengerSender:
    """The Telegram sender with its kinds. A bot passed in is its owner's to close; without
    one, a bot is made from the token (the Bot API server of TELEGRAM_API_BASE) and the
    sender closes it when it stops."""
    on_close = None
    if bot is None:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        assert settings.telegram_bot_token is not None
        base = settings.telegram_api_base
        session = AiohttpSession(api=TelegramAPIServer.from_base(base)) if base else None
        bot = Bot(settings.telegram_bot_token.get_secret_value(), session=session)
        on_close = bot.session.close
    platform = TelegramPlatform(settings.telegram_rate_per_second, f"tg{getattr(bot, 'id', '')}")
    sender = MessengerSender(platform, bot, limiter, lease=lease, on_close=on_close)
    setup(sender)
    return sender
