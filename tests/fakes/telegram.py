"""A fake Telegram Bot API server for tests, driven by the real aiogram client.

    async with FakeTelegram() as tg:
        bot = tg.make_bot()                      # real aiogram Bot aimed at the fake
        await bot.send_message(42, "hi")
        assert tg.sent_texts(42) == ["hi"]

The server speaks the Bot API wire format: requests arrive as form data / multipart
(nested objects as JSON strings, files as ``attach://`` parts) or JSON, answers are
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``.

Everything the bot does is recorded in ``tg.calls``. Faults can be injected
(``fail_next``, ``block_chat``), forum topics have state (open/closed/deleted), and the
flood limits can be enforced (``FakeTelegram(enforce_limits=True)``).

``UpdateFactory`` / ``tg_update`` build Update dicts for ``dp.feed_raw_update(bot, update)``
or for ``tg.push_update(update)`` (served by ``getUpdates``). ``tg.updates`` is a factory
bound to the server: its message ids come from the server's per-chat counters and the
messages it builds are remembered, so replies / callbacks / copyMessage see real content.
"""

from __future__ import annotations

import asyncio
import copy
import html
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot

__all__ = [
    "Call",
    "ChatInfo",
    "FakeTelegram",
    "StoredFile",
    "TelegramFault",
    "Topic",
    "UpdateFactory",
    "UploadedFile",
    "tg_update",
]

DEFAULT_TOKEN = "123456:ABC"
DEFAULT_USERNAME = "helpdesk_test_bot"
DEFAULT_FIRST_NAME = "Helpdesk Test Bot"
DEFAULT_ICON_COLOR = 7322096
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_INT_RE = re.compile(r"^-?\d+$")

# Parameters that aiogram sends as JSON strings.
_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "media",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "permissions",
        "reaction",
        "message_ids",
        "options",
        "rights",
        "suggested_post_parameters",
    }
)
# Parameters that are integers on the wire.
_INT_KEYS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "icon_color",
        "reply_to_message_id",
        "cache_time",
        "duration",
        "width",
        "height",
        "until_date",
        "max_connections",
        "direct_messages_topic_id",
        "video_start_timestamp",
    }
)
# Free-text parameters: never coerced, even if they look like numbers or booleans.
_TEXT_KEYS = frozenset(
    {
        "text",
        "caption",
        "name",
        "title",
        "description",
        "short_description",
        "url",
        "callback_query_id",
        "secret_token",
        "file_id",
        "emoji",
        "icon_custom_emoji_id",
        "parse_mode",
        "action",
        "question",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "inline_message_id",
        "language_code",
        "performer",
        "file_name",
        "business_connection_id",
        "message_effect_id",
    }
)
# Methods that put a new message into a chat: they are subject to blocks, thread
# checks and the flood limits.
SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvoice",
        "sendvideo",
        "sendaudio",
        "sendanimation",
        "sendvideonote",
        "sendsticker",
        "sendmediagroup",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)
# Methods refused when the chat blocked the bot (besides SEND_METHODS).
_BLOCKABLE = SEND_METHODS | frozenset(
    {
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "editmessagemedia",
        "sendchataction",
    }
)
# ReactionTypeEmoji: the emoji a bot may react with (Bot API 10).
REACTION_EMOJI = frozenset(
    "❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌"
    " 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿"
    " 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡".split()
)
# Methods that just answer ``true``.
_TRUE_METHODS = frozenset(
    {
        "answercallbackquery",
        "sendchataction",
        "deletemymessages",
        "deletemycommands",
        "setmydescription",
        "setmyshortdescription",
        "setmyname",
        "setchatmenubutton",
        "pinchatmessage",
        "unpinchatmessage",
        "unpinallchatmessages",
        "leavechat",
        "deletemessages",
        "unpinallforumtopicmessages",
        "setmydefaultadministratorrights",
        "approvechatjoinrequest",
        "declinechatjoinrequest",
    }
)


class TelegramFault(Exception):
    """An error answer: raised inside the fake, turned into ``{"ok": false, ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


@dataclass
class UploadedFile:
    """A file part of a multipart request (what ``BufferedInputFile`` etc. produce)."""

    field: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class Call:
    """One request the bot made.

    ``params`` is the decoded request (JSON-string fields decoded, ids as ints, uploaded
    files as ``UploadedFile``). ``result`` is what the fake answered on success,
    ``error_code`` / ``description`` on failure.
    """

    method: str
    params: dict[str, Any]
    chat_id: int | str | None
    at: float
    token: str = ""
    ok: bool = True
    error_code: int | None = None
    description: str | None = None
    result: Any = None
    content_type: str = ""  # how the body came: application/json, a form, multipart

    @property
    def text(self) -> str | None:
        """The text or caption this call carried (request side)."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def thread_id(self) -> int | None:
        return self.params.get("message_thread_id")


@dataclass
class Topic:
    chat_id: int
    thread_id: int
    name: str
    icon_color: int = DEFAULT_ICON_COLOR
    icon_custom_emoji_id: str | None = None
    state: str = "open"  # open | closed | deleted

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class ChatInfo:
    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    username: str | None = None
    first_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or f"User {self.id}"
        else:
            data["title"] = self.title or f"Group {self.id}"
            if self.is_forum:
                data["is_forum"] = True
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class _StoredMessage:
    message: dict[str, Any]
    by_bot: bool
    service: bool = False
    deleted: bool = False


@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    parameters: dict[str, Any] | None
    chat_id: int | str | None
    times: int


def _now() -> int:
    return int(time.time())


def _visible_length(text: str, parse_mode: Any) -> int:
    """Length Telegram checks against its limits: after entity parsing."""
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(text)


def _command_entities(text: str | None) -> list[dict[str, Any]] | None:
    if not text or not text.startswith("/"):
        return None
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command)}]


def _chat_type_for(chat_id: int) -> str:
    return "private" if chat_id > 0 else "supergroup"


def _member_dict(status: str, user: dict[str, Any], **rights: Any) -> dict[str, Any]:
    """A ChatMember object of the given status."""
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        data = {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            "can_send_welcome_messages": False,
            "can_pin_messages": True,
            "can_manage_topics": True,
        }
        data.update(rights)
        return data
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": rights.get("until_date", 0)}
    if status == "restricted":
        data = {
            "status": "restricted",
            "user": user,
            "is_member": True,
            "can_send_messages": False,
            "can_send_audios": False,
            "can_send_documents": False,
            "can_send_photos": False,
            "can_send_videos": False,
            "can_send_video_notes": False,
            "can_send_voice_notes": False,
            "can_send_polls": False,
            "can_send_other_messages": False,
            "can_add_web_page_previews": False,
            "can_change_info": False,
            "can_invite_users": False,
            "can_pin_messages": False,
            "can_manage_topics": False,
            "until_date": 0,
        }
        data.update(rights)
        return data
    if status in ("member", "left"):
        return {"status": status, "user": user}
    raise ValueError(f"unknown chat member status {status!r}")


class FakeTelegram:
    """A Bot API server on 127.0.0.1 (free port) for the real aiogram client.

    Args:
        username / first_name / bot_id: what ``getMe`` says (the id defaults to the
            token's numeric prefix, like Telegram and ``aiogram.Bot.id``).
        forum_groups: whether groups not declared with ``add_chat`` are forums.
        bot_is_admin / can_manage_topics: the bot's default rights in groups
            (per chat: ``set_bot_rights``).
        enforce_limits: answer 429 to sends beyond the flood limits
            (``global_per_second`` over all chats, ``private_per_second`` per private chat
            (positive id), ``group_per_minute`` per group (negative id)); sliding windows on
            ``clock``. ``tolerance`` seconds of arrival jitter are forgiven.
        poll_wait: the longest a ``getUpdates`` long poll is held (``timeout`` is capped).
        implicit_topic_reply: like Telegram, messages in a forum topic carry
            ``reply_to_message`` = the topic's creation service message when they are not
            explicit replies.
        clock: monotonic clock used for ``Call.at`` and the rate windows.
    """

    def __init__(
        self,
        *,
        username: str = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
        bot_id: int | None = None,
        forum_groups: bool = True,
        bot_is_admin: bool = True,
        can_manage_topics: bool = True,
        enforce_limits: bool = False,
        global_per_second: int = 30,
        private_per_second: int = 1,
        group_per_minute: int = 20,
        tolerance: float = 0.01,
        poll_wait: float = 1.0,
        implicit_topic_reply: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.username = username
        self.first_name = first_name
        self._bot_id = bot_id
        self.forum_groups = forum_groups
        self.bot_is_admin = bot_is_admin
        self.can_manage_topics = can_manage_topics
        self.enforce_limits = enforce_limits
        self.global_per_second = global_per_second
        self.private_per_second = private_per_second
        self.group_per_minute = group_per_minute
        self.tolerance = tolerance
        self.poll_wait = poll_wait
        self.implicit_topic_reply = implicit_topic_reply
        self.clock = clock

        self.calls: list[Call] = []
        self.too_many_requests = 0
        self.webhook_url: str | None = None
        self.webhook_params: dict[str, Any] = {}
        self.commands: dict[str, Any] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.topics: dict[int, dict[int, Topic]] = defaultdict(dict)
        self.files: dict[str, StoredFile] = {}
        self.uploads: list[UploadedFile] = []
        self.blocked: dict[int | str, str] = {}

        self._faults: list[_Fault] = []
        self._messages: dict[int, dict[int, _StoredMessage]] = defaultdict(dict)
        self._message_ids: dict[int, int] = defaultdict(int)
        self._bot_rights: dict[int, dict[str, bool]] = {}
        self._members: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self._updates: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._new_update = asyncio.Event()
        self._file_ids = itertools.count(1)
        self._media_groups = itertools.count(1)
        self._global_sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = defaultdict(deque)
        self._bots: list[Bot] = []
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port: int | None = None
        self.updates = UpdateFactory(server=self)

        self._handlers: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "getme": self._get_me,
            "logout": lambda token, p: True,
            "close": lambda token, p: True,
            "sendmessage": self._send_message,
            "sendphoto": self._send_media("photo"),
            "senddocument": self._send_media("document"),
            "sendvoice": self._send_media("voice"),
            "sendvideo": self._send_media("video"),
            "sendaudio": self._send_media("audio"),
            "sendanimation": self._send_media("animation"),
            "sendmediagroup": self._send_media_group,
            "copymessage": self._copy_message,
            "forwardmessage": self._forward_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "getchatmembercount": lambda token, p: 2,
            "createforumtopic": self._create_forum_topic,
            "editforumtopic": self._topic_action("edit"),
            "closeforumtopic": self._topic_action("close"),
            "reopenforumtopic": self._topic_action("reopen"),
            "deleteforumtopic": self._topic_action("delete"),
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "setmessagereaction": self._set_message_reaction,
        }
        for name in _TRUE_METHODS:
            self._handlers.setdefault(name, lambda token, p: True)

    def _set_message_reaction(self, token: str, params: dict[str, Any]) -> bool:
        """Bots may set one reaction, from Telegram's list of emoji (ReactionTypeEmoji)."""
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise TelegramFault(400, "Bad Request: chat_id and message_id are required")
        reaction = params.get("reaction") or []
        if isinstance(reaction, str):
            reaction = json.loads(reaction)
        if len(reaction) > 1:
            raise TelegramFault(400, "Bad Request: REACTIONS_TOO_MANY")
        for item in reaction:
            if item.get("type") != "emoji" or item.get("emoji") not in REACTION_EMOJI:
                raise TelegramFault(400, "Bad Request: REACTION_INVALID")
        return True

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, shutdown_timeout=1.0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing = True
        self._new_update.set()
        for bot in self._bots:
            await _close_aiogram_session(bot)
        self._bots.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self.port}"

    def make_bot(self, token: str = DEFAULT_TOKEN, **kwargs: Any) -> Bot:
        """A real aiogram ``Bot`` aimed at this server; its session is closed by ``close()``."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        bot = Bot(token, session=session, **kwargs)
        self._bots.append(bot)
        return bot

    @property
    def bot_id(self) -> int:
        """The id of the default bot (``make_bot()`` without a token)."""
        return self._bot_id_for(DEFAULT_TOKEN)

    # ------------------------------------------------------------------ configuration

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str | None = None,
        title: str | None = None,
        is_forum: bool | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> ChatInfo:
        """Declare a chat (private for positive ids, supergroup for negative by default)."""
        chat_type = type or _chat_type_for(chat_id)
        if is_forum is None:
            is_forum = chat_type == "supergroup" and self.forum_groups
        info = ChatInfo(
            id=chat_id,
            type=chat_type,
            title=title,
            is_forum=is_forum,
            username=username,
            first_name=first_name,
        )
        self.chats[chat_id] = info
        return info

    def chat(self, chat_id: int) -> ChatInfo:
        """The chat's info, created with defaults on first use."""
        if chat_id not in self.chats:
            self.add_chat(chat_id)
        return self.chats[chat_id]

    def set_bot_rights(
        self, chat_id: int, *, is_admin: bool = True, can_manage_topics: bool = True
    ) -> None:
        self._bot_rights[chat_id] = {"is_admin": is_admin, "can_manage_topics": can_manage_topics}

    def bot_rights(self, chat_id: int) -> dict[str, bool]:
        return self._bot_rights.get(
            chat_id, {"is_admin": self.bot_is_admin, "can_manage_topics": self.can_manage_topics}
        )

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: str = "member",
        *,
        first_name: str | None = None,
        username: str | None = None,
        **rights: Any,
    ) -> None:
        """What ``getChatMember(chat_id, user_id)`` answers (creator, administrator, ...)."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
        if username:
            user["username"] = username
        self._members[chat_id][user_id] = _member_dict(status, user, **rights)

    def add_topic(
        self,
        chat_id: int,
        name: str = "Topic",
        *,
        thread_id: int | None = None,
        icon_color: int = DEFAULT_ICON_COLOR,
        state: str = "open",
    ) -> Topic:
        """Create a topic directly (as if someone made it in the app)."""
        if thread_id is None:
            thread_id = self._next_message_id(chat_id)
        else:
            self._message_ids[chat_id] = max(self._message_ids[chat_id], thread_id)
        topic = Topic(chat_id, thread_id, name, icon_color, state=state)
        self.topics[chat_id][thread_id] = topic
        self._store_topic_service_message(chat_id, topic, self._bot_user(DEFAULT_TOKEN))
        return topic

    def topic(self, chat_id: int, thread_id: int) -> Topic | None:
        return self.topics.get(chat_id, {}).get(thread_id)

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        self._require_topic(chat_id, thread_id).state = "closed"

    def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        self._require_topic(chat_id, thread_id).state = "open"

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        self._require_topic(chat_id, thread_id).state = "deleted"

    def _require_topic(self, chat_id: int, thread_id: int) -> Topic:
        topic = self.topic(chat_id, thread_id)
        if topic is None:
            raise KeyError(f"no topic {thread_id} in chat {chat_id}")
        return topic

    def add_file(
        self,
        file_id: str,
        content: bytes,
        *,
        file_path: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Register a file for ``getFile`` and the download route."""
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"u{file_id}"[:32],
            content=content,
            file_path=file_path or f"documents/{file_id}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[file_id] = stored
        return stored

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates``; returns it as queued.

        Like Telegram, the server owns ``update_id``: a missing id, or one not above the
        last queued id, is replaced so ids always increase (updates built by different
        factories never shadow each other behind the polling offset).
        """
        update = dict(update)
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or update_id <= self._last_update_id:
            update["update_id"] = self._last_update_id + 1
        self._last_update_id = update["update_id"]
        self._updates.append(update)
        self._new_update.set()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        times: int = 1,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``"*"``: any) with an error.

        ``retry_after`` adds ``parameters.retry_after`` (aiogram raises TelegramRetryAfter);
        ``chat_id`` restricts the fault to calls aimed at that chat.
        """
        params = dict(parameters or {})
        if retry_after is not None:
            params["retry_after"] = retry_after
        if description is None:
            description = {
                400: "Bad Request",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                429: f"Too Many Requests: retry after {retry_after or 1}",
            }.get(error_code, "Internal Server Error")
        if error_code == 429 and "retry_after" not in params:
            params["retry_after"] = 1
        self._faults.append(
            _Fault(method.lower(), error_code, description, params or None, chat_id, times)
        )

    def block_chat(self, chat_id: int | str, description: str | None = None) -> None:
        """Every send to ``chat_id`` answers 403 from now on (the user blocked the bot)."""
        if description is None:
            private = isinstance(chat_id, int) and chat_id > 0
            description = (
                "Forbidden: bot was blocked by the user"
                if private
                else "Forbidden: bot was kicked from the supergroup chat"
            )
        self.blocked[chat_id] = description

    def unblock_chat(self, chat_id: int | str) -> None:
        self.blocked.pop(chat_id, None)

    # ------------------------------------------------------------------ assertions

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls of ``method`` (case-insensitive), optionally only ok / failed."""
        name = method.lower()
        return [c for c in self.calls if c.method.lower() == name and (ok is None or c.ok == ok)]

    def successful_sends(self, chat_id: int | str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.ok
            and c.method.lower() in SEND_METHODS
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts / captions of the messages the bot sent successfully, in order."""
        texts: list[str] = []
        for call in self.successful_sends(chat_id):
            results = call.result if isinstance(call.result, list) else [call.result]
            for result in results:
                if isinstance(result, dict) and "date" not in result:
                    # copyMessage answers only {message_id}: read the copy we stored.
                    stored = self._stored(call.chat_id, result.get("message_id"))
                    result = stored.message if stored else {}
                if not isinstance(result, dict):
                    continue
                text = result.get("text", result.get("caption"))
                if text is not None:
                    texts.append(text)
        return texts

    def messages_in(self, chat_id: int, thread_id: int | None = None) -> list[dict[str, Any]]:
        """The bot's messages currently in a chat (edits applied, deleted ones gone)."""
        out = []
        for stored in sorted(self._messages.get(chat_id, {}).values(), key=_message_id_key):
            if not stored.by_bot or stored.service or stored.deleted:
                continue
            if thread_id is not None and stored.message.get("message_thread_id") != thread_id:
                continue
            out.append(copy.deepcopy(stored.message))
        return out

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Any stored message (bot's, or built by ``tg.updates``), current state."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(stored.message) if stored and not stored.deleted else None

    def reset_calls(self) -> None:
        self.calls.clear()
        self.too_many_requests = 0

    async def wait_for(
        self,
        predicate: Callable[[Call], bool] | str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Call:
        """Wait until a recorded call matches (a predicate, or a method name); return it."""
        matches: Callable[[Call], bool]
        if isinstance(predicate, str):
            name = predicate.lower()

            def matches(call: Call) -> bool:
                return call.method.lower() == name

        else:
            matches = predicate
        found: list[Call] = []

        def check() -> bool:
            for call in self.calls:
                if matches(call):
                    found.append(call)
                    return True
            return False

        await _wait_until(check, timeout, lambda: self._describe_calls())
        return found[0]

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until ``condition()`` is true (polls every 10 ms)."""
        await _wait_until(condition, timeout, lambda: self._describe_calls())

    def _describe_calls(self) -> str:
        lines = [
            f"  {c.method} chat={c.chat_id} ok={c.ok} {c.error_code or ''} {c.params}"
            for c in self.calls[-30:]
        ]
        return "recorded calls:\n" + ("\n".join(lines) if lines else "  (none)")

    # ------------------------------------------------------------------ HTTP layer

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._parse(request)
        chat_id = params.get("chat_id")
        call = Call(method=method, params=params, chat_id=chat_id, at=self.clock(), token=token)
        call.content_type = request.content_type
        try:
            if not _TOKEN_RE.match(token):
                raise TelegramFault(401, "Unauthorized")
            self._apply_fault(method.lower(), chat_id)
            handler = self._handlers.get(method.lower())
            if handler is None:
                raise TelegramFault(404, "Not Found: method not found")
            if method.lower() in _BLOCKABLE and chat_id in self.blocked:
                raise TelegramFault(403, self.blocked[chat_id])
            result = handler(token, params)
            if asyncio.iscoroutine(result):
                result = await result
        except TelegramFault as fault:
            call.ok = False
            call.error_code = fault.error_code
            call.description = fault.description
            self.calls.append(call)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.error_code,
                "description": fault.description,
            }
            if fault.parameters:
                body["parameters"] = fault.parameters
            return web.json_response(body, status=fault.error_code)
        call.result = result
        self.calls.append(call)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content)
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _parse(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        upload = UploadedFile(
                            field=key,
                            filename=value.filename,
                            content_type=value.content_type,
                            content=value.file.read(),
                        )
                        files[key] = upload
                        self.uploads.append(upload)
                    else:
                        raw[key] = value
        params = {key: _decode_param(key, value) for key, value in raw.items()}
        used: set[str] = set()

        def resolve(value: Any) -> Any:
            if isinstance(value, str) and value.startswith("attach://"):
                key = value[len("attach://") :]
                if key in files:
                    used.add(key)
                    return files[key]
            return value

        for key in list(params):
            params[key] = resolve(params[key])
        if isinstance(params.get("media"), list):
            for item in params["media"]:
                if isinstance(item, dict):
                    for sub in ("media", "thumbnail", "cover"):
                        if sub in item:
                            item[sub] = resolve(item[sub])
        for key, upload in files.items():
            if key not in used:
                params[key] = upload
        return params

    def _apply_fault(self, method: str, chat_id: Any) -> None:
        for fault in self._faults:
            if fault.method not in ("*", method):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            raise TelegramFault(fault.error_code, fault.description, fault.parameters)

    # ------------------------------------------------------------------ helpers

    def _bot_id_for(self, token: str) -> int:
        if self._bot_id is not None:
            return self._bot_id
        return int(token.split(":", 1)[0])

    def _bot_user(self, token: str) -> dict[str, Any]:
        return {
            "id": self._bot_id_for(token),
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _stored(self, chat_id: Any, message_id: Any) -> _StoredMessage | None:
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            return None
        return self._messages.get(chat_id, {}).get(message_id)

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    def _new_file_id(self, kind: str) -> tuple[str, str]:
        n = next(self._file_ids)
        return f"{kind}_{n:06d}", f"u{kind}{n:06d}"

    def _require_chat_id(self, params: dict[str, Any], key: str = "chat_id") -> int:
        chat_id = params.get(key)
        if chat_id is None or chat_id == "":
            raise TelegramFault(400, f"Bad Request: {key} is empty")
        if not isinstance(chat_id, int):
            raise TelegramFault(400, "Bad Request: chat not found")
        return chat_id

    def _check_thread(self, chat_id: int, thread_id: int | None) -> None:
        if thread_id is None:
            return
        chat = self.chat(chat_id)
        topic = self.topic(chat_id, thread_id)
        if chat.is_forum or topic is not None:
            if topic is None or topic.state == "deleted":
                raise TelegramFault(400, "Bad Request: message thread not found")
            if topic.state == "closed":
                raise TelegramFault(400, "Bad Request: TOPIC_CLOSED")
            return
        # Outside forums a thread is the reply thread of an existing message.
        stored = self._messages.get(chat_id, {}).get(thread_id)
        if stored is None or stored.deleted:
            raise TelegramFault(400, "Bad Request: message thread not found")

    def _check_text(self, text: Any, parse_mode: Any, *, required: bool = True) -> None:
        if not isinstance(text, str) or not text.strip():
            if required:
                raise TelegramFault(400, "Bad Request: message text is empty")
            return
        if _visible_length(text, parse_mode) > TEXT_LIMIT:
            raise TelegramFault(400, "Bad Request: message is too long")

    def _check_caption(self, caption: Any, parse_mode: Any) -> None:
        if isinstance(caption, str) and _visible_length(caption, parse_mode) > CAPTION_LIMIT:
            raise TelegramFault(400, "Bad Request: message caption is too long")

    def _check_rate(self, chat_id: int) -> None:
        if not self.enforce_limits:
            return
        now = self.clock()
        windows: list[tuple[deque[float], float, int]] = [
            (self._global_sends, 1.0, self.global_per_second)
        ]
        if chat_id > 0:
            windows.append((self._chat_sends[chat_id], 1.0, self.private_per_second))
        else:
            windows.append((self._chat_sends[chat_id], 60.0, self.group_per_minute))
        retry_after = 0
        for sends, period, limit in windows:
            span = period - self.tolerance
            while sends and sends[0] <= now - span:
                sends.popleft()
            if len(sends) >= limit:
                wait = sends[len(sends) - limit] + span - now
                retry_after = max(retry_after, max(1, math.ceil(wait)))
        if retry_after:
            self.too_many_requests += 1
            raise TelegramFault(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        for sends, _, _ in windows:
            sends.append(now)

    def _before_send(self, params: dict[str, Any], *, thread_key: str = "message_thread_id") -> int:
        chat_id = self._require_chat_id(params)
        self._check_thread(chat_id, params.get(thread_key))
        return chat_id

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        message_id = None
        reply_chat = chat_id
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            if isinstance(reply.get("chat_id"), int):
                reply_chat = reply["chat_id"]
        elif isinstance(params.get("reply_to_message_id"), int):
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        stored = self._messages.get(reply_chat, {}).get(message_id)
        if stored is None or stored.deleted:
            return None
        replied = copy.deepcopy(stored.message)
        replied.pop("reply_to_message", None)
        return replied

    def _compose(
        self,
        token: str,
        chat_id: int,
        params: dict[str, Any],
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Build, store and return a new bot message in ``chat_id``."""
        chat = self.chat(chat_id)
        message_id = self._next_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._bot_user(token),
            "chat": chat.as_dict(),
            "date": _now(),
        }
        if thread_id is None:
            thread_id = params.get("message_thread_id")
        replied = self._reply_to(chat_id, params)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            topic = self.topic(chat_id, thread_id)
            if chat.is_forum and topic is not None:
                message["is_topic_message"] = True
                if replied is None and self.implicit_topic_reply:
                    service = self._messages.get(chat_id, {}).get(thread_id)
                    if service is not None:
                        replied = copy.deepcopy(service.message)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if params.get("has_spoiler"):
            message["has_media_spoiler"] = True
        self._messages[chat_id][message_id] = _StoredMessage(message, by_bot=True)
        return copy.deepcopy(message)

    def _store_topic_service_message(
        self, chat_id: int, topic: Topic, sender: dict[str, Any]
    ) -> None:
        message = {
            "message_id": topic.thread_id,
            "from": sender,
            "chat": self.chat(chat_id).as_dict(),
            "date": _now(),
            "message_thread_id": topic.thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": topic.name, "icon_color": topic.icon_color},
        }
        self._messages[chat_id][topic.thread_id] = _StoredMessage(
            message, by_bot=True, service=True
        )

    def _media_object(self, kind: str, value: Any, params: dict[str, Any]) -> Any:
        """The message field for a media kind (``photo`` is a list of sizes)."""
        file_name = None
        mime_type = None
        if isinstance(value, UploadedFile):
            file_id, unique_id = self._new_file_id(kind)
            file_name = value.filename
            mime_type = value.content_type
            folder = {"photo": "photos", "voice": "voice", "video": "videos"}.get(kind, kind + "s")
            suffix = "." + file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""
            self.files[file_id] = StoredFile(
                file_id,
                unique_id,
                value.content,
                f"{folder}/file_{file_id}{suffix}",
                file_name,
                mime_type,
            )
            size = len(value.content)
        elif isinstance(value, str) and value in self.files:
            stored = self.files[value]
            file_id, unique_id, size = stored.file_id, stored.file_unique_id, len(stored.content)
            file_name, mime_type = stored.file_name, stored.mime_type
        elif isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                file_id, unique_id = self._new_file_id(kind)
            else:
                file_id, unique_id = value, f"u{value}"[:32]
            size = 0
        else:
            raise TelegramFault(400, f"Bad Request: there is no {kind} in the request")
        if kind == "photo":
            return [
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": 90,
                    "height": 90,
                    "file_size": max(1, size // 10),
                },
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": 800,
                    "height": 800,
                    "file_size": size,
                },
            ]
        data: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique_id}
        if size:
            data["file_size"] = size
        if kind in ("video", "animation"):
            data.update(
                width=params.get("width") or 640,
                height=params.get("height") or 360,
                duration=params.get("duration") or 1,
            )
        if kind in ("voice", "audio"):
            data["duration"] = params.get("duration") or 1
        if kind in ("document", "audio", "video", "animation") and file_name:
            data["file_name"] = file_name
        if mime_type and kind != "photo":
            data["mime_type"] = mime_type
        if kind == "voice":
            data.setdefault("mime_type", "audio/ogg")
        return data

    # ------------------------------------------------------------------ methods

    def _get_me(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._before_send(params)
        text = params.get("text")
        self._check_text(text, params.get("parse_mode"))
        self._check_rate(chat_id)
        content: dict[str, Any] = {"text": text}
        entities = params.get("entities")
        if entities:
            content["entities"] = entities
        return self._compose(token, chat_id, params, content)

    def _send_media(self, kind: str) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
        def handler(token: str, params: dict[str, Any]) -> dict[str, Any]:
            chat_id = self._before_send(params)
            self._check_caption(params.get("caption"), params.get("parse_mode"))
            if kind not in params:
                raise TelegramFault(400, f"Bad Request: there is no {kind} in the request")
            self._check_rate(chat_id)
            content: dict[str, Any] = {kind: self._media_object(kind, params[kind], params)}
            if kind == "animation":
                content["document"] = {
                    k: v
                    for k, v in content["animation"].items()
                    if k not in ("width", "height", "duration")
                }
            if params.get("caption"):
                content["caption"] = params["caption"]
                if params.get("caption_entities"):
                    content["caption_entities"] = params["caption_entities"]
            return self._compose(token, chat_id, params, content)

        return handler

    def _send_media_group(self, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._before_send(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise TelegramFault(400, "Bad Request: wrong number of messages in the media group")
        for item in media:
            self._check_caption(item.get("caption"), item.get("parse_mode"))
        self._check_rate(chat_id)
        group_id = str(10**17 + next(self._media_groups))
        messages = []
        for item in media:
            kind = item.get("type", "photo")
            content: dict[str, Any] = {
                kind: self._media_object(kind, item.get("media"), item),
                "media_group_id": group_id,
            }
            if item.get("caption"):
                content["caption"] = item["caption"]
            messages.append(self._compose(token, chat_id, params, content))
        return messages

    def _content_of(self, from_chat_id: int, message_id: int) -> dict[str, Any]:
        stored = self._messages.get(from_chat_id, {}).get(message_id)
        if stored is None:
            return {}
        if stored.deleted:
            raise TelegramFault(400, "Bad Request: message to copy not found")
        keep = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "document",
            "voice",
            "video",
            "audio",
            "animation",
            "sticker",
            "contact",
            "location",
        )
        return {k: copy.deepcopy(v) for k, v in stored.message.items() if k in keep}

    def _copy_message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._before_send(params)
        from_chat_id = self._require_chat_id(params, "from_chat_id")
        content = self._content_of(from_chat_id, params.get("message_id") or 0)
        if "caption" in params:
            self._check_caption(params["caption"], params.get("parse_mode"))
            if "text" not in content:
                content["caption"] = params["caption"]
                content.pop("caption_entities", None)
                if params.get("caption_entities"):
                    content["caption_entities"] = params["caption_entities"]
        self._check_rate(chat_id)
        message = self._compose(token, chat_id, params, content)
        return {"message_id": message["message_id"]}

    def _forward_message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._before_send(params)
        from_chat_id = self._require_chat_id(params, "from_chat_id")
        content = self._content_of(from_chat_id, params.get("message_id") or 0)
        self._check_rate(chat_id)
        source = self.chat(from_chat_id)
        if source.type == "private":
            origin: dict[str, Any] = {
                "type": "user",
                "date": _now(),
                "sender_user": {
                    "id": from_chat_id,
                    "is_bot": False,
                    "first_name": source.first_name or f"User {from_chat_id}",
                },
            }
        else:
            origin = {"type": "chat", "date": _now(), "sender_chat": source.as_dict()}
        content["forward_origin"] = origin
        return self._compose(token, chat_id, params, content)

    def _stored_for_edit(self, token: str, params: dict[str, Any]) -> _StoredMessage | None:
        if params.get("inline_message_id"):
            return None
        chat_id = self._require_chat_id(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise TelegramFault(400, "Bad Request: message identifier is not specified")
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is not None and stored.deleted:
            raise TelegramFault(400, "Bad Request: message to edit not found")
        if stored is None:
            # Unknown to the fake (e.g. sent before it existed): accept it as the bot's.
            message = {
                "message_id": message_id,
                "from": self._bot_user(token),
                "chat": self.chat(chat_id).as_dict(),
                "date": _now(),
            }
            stored = _StoredMessage(message, by_bot=True)
            self._messages[chat_id][message_id] = stored
            self._message_ids[chat_id] = max(self._message_ids[chat_id], message_id)
        return stored

    def _apply_markup(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    def _edit_message_text(self, token: str, params: dict[str, Any]) -> Any:
        text = params.get("text")
        self._check_text(text, params.get("parse_mode"))
        stored = self._stored_for_edit(token, params)
        if stored is None:
            return True
        message = stored.message
        if any(k in message for k in ("photo", "document", "video", "audio", "voice")):
            raise TelegramFault(400, "Bad Request: there is no text in the message to edit")
        new_entities = params.get("entities") or None
        if (
            message.get("text") == text
            and message.get("entities") == new_entities
            and message.get("reply_markup") == _inline_markup(params)
        ):
            raise TelegramFault(400, MESSAGE_NOT_MODIFIED)
        message["text"] = text
        if new_entities:
            message["entities"] = new_entities
        else:
            message.pop("entities", None)
        self._apply_markup(message, params)
        message["edit_date"] = _now()
        return copy.deepcopy(message)

    def _edit_message_caption(self, token: str, params: dict[str, Any]) -> Any:
        self._check_caption(params.get("caption"), params.get("parse_mode"))
        stored = self._stored_for_edit(token, params)
        if stored is None:
            return True
        message = stored.message
        if "text" in message:
            raise TelegramFault(400, "Bad Request: there is no caption in the message to edit")
        caption = params.get("caption")
        if message.get("caption") == caption and message.get("reply_markup") == _inline_markup(
            params
        ):
            raise TelegramFault(400, MESSAGE_NOT_MODIFIED)
        if caption:
            message["caption"] = caption
        else:
            message.pop("caption", None)
        self._apply_markup(message, params)
        message["edit_date"] = _now()
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, token: str, params: dict[str, Any]) -> Any:
        stored = self._stored_for_edit(token, params)
        if stored is None:
            return True
        message = stored.message
        if message.get("reply_markup") == _inline_markup(params):
            raise TelegramFault(400, MESSAGE_NOT_MODIFIED)
        self._apply_markup(message, params)
        message["edit_date"] = _now()
        return copy.deepcopy(message)

    def _delete_message(self, token: str, params: dict[str, Any]) -> bool:
        chat_id = self._require_chat_id(params)
        stored = self._stored(chat_id, params.get("message_id"))
        if stored is not None:
            if stored.deleted:
                raise TelegramFault(400, "Bad Request: message to delete not found")
            stored.deleted = True
        return True

    def _set_webhook(self, token: str, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if not url:
            raise TelegramFault(400, "Bad Request: bad webhook: URL must be provided")
        self.webhook_url = url
        self.webhook_params = dict(params)
        return True

    def _delete_webhook(self, token: str, params: dict[str, Any]) -> bool:
        self.webhook_url = None
        self.webhook_params = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _get_updates(self, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise TelegramFault(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset") or 0
        limit = params.get("limit") or 100
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        wait = min(float(params.get("timeout") or 0), self.poll_wait)
        deadline = asyncio.get_running_loop().time() + wait
        while not self._updates and not self._closing:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                break
        return copy.deepcopy(self._updates[:limit])

    def _get_chat(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat_id(params)
        data = self.chat(chat_id).as_dict()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return data

    def _bot_member(self, token: str, chat_id: int) -> dict[str, Any]:
        user = self._bot_user(token)
        if self.chat(chat_id).type == "private":
            return _member_dict("member", user)
        rights = self.bot_rights(chat_id)
        if rights["is_admin"]:
            return _member_dict(
                "administrator", user, can_manage_topics=rights["can_manage_topics"]
            )
        return _member_dict("member", user)

    def _get_chat_member(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat_id(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise TelegramFault(400, "Bad Request: user not found")
        if user_id == self._bot_id_for(token):
            return self._bot_member(token, chat_id)
        if user_id in self._members.get(chat_id, {}):
            return copy.deepcopy(self._members[chat_id][user_id])
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        return _member_dict("member", user)

    def _get_chat_administrators(self, token: str, params: dict[str, Any]) -> list[dict]:
        chat_id = self._require_chat_id(params)
        if self.chat(chat_id).type == "private":
            raise TelegramFault(400, "Bad Request: there are no administrators in the private chat")
        admins = [
            copy.deepcopy(m)
            for m in self._members.get(chat_id, {}).values()
            if m["status"] in ("creator", "administrator")
        ]
        bot = self._bot_member(token, chat_id)
        if bot["status"] == "administrator":
            admins.append(bot)
        return admins

    def _create_forum_topic(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat_id(params)
        chat = self.chat(chat_id)
        if not chat.is_forum:
            raise TelegramFault(400, "Bad Request: the chat is not a forum")
        rights = self.bot_rights(chat_id)
        if not (rights["is_admin"] and rights["can_manage_topics"]):
            raise TelegramFault(400, "Bad Request: not enough rights to create a topic")
        name = params.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise TelegramFault(400, "Bad Request: TOPIC_NAME_INVALID")
        topic = Topic(
            chat_id=chat_id,
            thread_id=self._next_message_id(chat_id),
            name=name,
            icon_color=params.get("icon_color") or DEFAULT_ICON_COLOR,
            icon_custom_emoji_id=params.get("icon_custom_emoji_id"),
        )
        self.topics[chat_id][topic.thread_id] = topic
        self._store_topic_service_message(chat_id, topic, self._bot_user(token))
        return topic.as_dict()

    def _topic_action(self, action: str) -> Callable[[str, dict[str, Any]], bool]:
        def handler(token: str, params: dict[str, Any]) -> bool:
            chat_id = self._require_chat_id(params)
            if not self.chat(chat_id).is_forum:
                raise TelegramFault(400, "Bad Request: the chat is not a forum")
            rights = self.bot_rights(chat_id)
            if not (rights["is_admin"] and rights["can_manage_topics"]):
                raise TelegramFault(400, "Bad Request: CHAT_ADMIN_REQUIRED")
            topic = self.topic(chat_id, params.get("message_thread_id") or 0)
            if topic is None or topic.state == "deleted":
                raise TelegramFault(400, "Bad Request: TOPIC_ID_INVALID")
            if action == "edit":
                name = params.get("name")
                if name is not None:
                    if not isinstance(name, str) or not 1 <= len(name) <= 128:
                        raise TelegramFault(400, "Bad Request: TOPIC_NAME_INVALID")
                    if name == topic.name and "icon_custom_emoji_id" not in params:
                        raise TelegramFault(400, "Bad Request: TOPIC_NOT_MODIFIED")
                    topic.name = name
                if "icon_custom_emoji_id" in params:
                    topic.icon_custom_emoji_id = params["icon_custom_emoji_id"] or None
            elif action == "close":
                if topic.state == "closed":
                    raise TelegramFault(400, "Bad Request: TOPIC_NOT_MODIFIED")
                topic.state = "closed"
            elif action == "reopen":
                if topic.state == "open":
                    raise TelegramFault(400, "Bad Request: TOPIC_NOT_MODIFIED")
                topic.state = "open"
            elif action == "delete":
                topic.state = "deleted"
                for stored in self._messages.get(chat_id, {}).values():
                    if stored.message.get("message_thread_id") == topic.thread_id:
                        stored.deleted = True
            return True

        return handler

    def _get_file(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(params.get("file_id") or "")
        if stored is None:
            raise TelegramFault(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _commands_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, token: str, params: dict[str, Any]) -> bool:
        self.commands[self._commands_key(params)] = params.get("commands") or []
        return True

    def _get_my_commands(self, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(params), [])


def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


def _message_id_key(stored: _StoredMessage) -> int:
    return int(stored.message.get("message_id", 0))


def _decode_param(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _TEXT_KEYS:
        return value
    if key in _INT_KEYS and _INT_RE.match(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    return value


async def _close_aiogram_session(bot: Bot) -> None:
    # AiohttpSession.close() sleeps 250 ms for TLS shutdown; plain loopback needs none.
    inner = getattr(bot.session, "_session", None)
    if inner is not None:
        if not inner.closed:
            await inner.close()
    else:
        await bot.session.close()


async def _wait_until(
    condition: Callable[[], bool], seconds: float, describe: Callable[[], str]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() >= deadline:
            raise AssertionError(f"condition not met within {seconds}s\n{describe()}")
        await asyncio.sleep(0.01)


# ---------------------------------------------------------------------- update builders


class UpdateFactory:
    """Builds Telegram Update dicts (aiogram parses them with ``Update.model_validate``).

    Unbound (``tg_update``): message ids count per chat inside the factory. Bound to a
    ``FakeTelegram`` (``tg.updates``): ids come from the server's per-chat counters, chats
    use the server's chat config (type, forum), and built messages are stored so that
    replies, callbacks and copyMessage see their content.
    """

    def __init__(
        self,
        *,
        bot_id: int | None = None,
        bot_username: str = DEFAULT_USERNAME,
        bot_first_name: str = DEFAULT_FIRST_NAME,
        server: FakeTelegram | None = None,
        implicit_topic_reply: bool | None = None,
    ) -> None:
        self._bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.server = server
        self._implicit_topic_reply = implicit_topic_reply
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, int] = defaultdict(int)
        self._callback_ids = itertools.count(1)

    @property
    def bot_id(self) -> int:
        if self._bot_id is not None:
            return self._bot_id
        if self.server is not None:
            return self.server.bot_id
        return int(DEFAULT_TOKEN.split(":", 1)[0])

    @property
    def implicit_topic_reply(self) -> bool:
        if self._implicit_topic_reply is not None:
            return self._implicit_topic_reply
        return self.server.implicit_topic_reply if self.server is not None else True

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self, chat_id: int) -> int:
        if self.server is not None:
            return self.server._next_message_id(chat_id)
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    def bot_user(self) -> dict[str, Any]:
        if self.server is not None:
            return self.server._bot_user(DEFAULT_TOKEN)
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_bot: bool = False,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": user_id,
            "is_bot": is_bot,
            "first_name": first_name or f"User {user_id}",
        }
        if last_name:
            data["last_name"] = last_name
        if username:
            data["username"] = username
        if language_code:
            data["language_code"] = language_code
        return data

    def chat(
        self,
        chat_id: int,
        *,
        chat_type: str | None = None,
        title: str | None = None,
        is_forum: bool | None = None,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if self.server is not None and chat_type is None and title is None and is_forum is None:
            known = self.server.chat(chat_id).as_dict()
            if known["type"] == "private" and user is not None:
                known["first_name"] = user["first_name"]
                if user.get("username"):
                    known["username"] = user["username"]
            return known
        chat_type = chat_type or _chat_type_for(chat_id)
        data: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            data["first_name"] = (user or {}).get("first_name") or f"User {chat_id}"
            if user and user.get("username"):
                data["username"] = user["username"]
        else:
            data["title"] = title or f"Group {chat_id}"
            if is_forum:
                data["is_forum"] = True
        return data

    def _is_forum(self, chat: dict[str, Any], thread_id: int | None) -> bool:
        if "is_forum" in chat:
            return bool(chat["is_forum"])
        return False

    def _stored(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        if self.server is None:
            return None
        return self.server.message(chat_id, message_id)

    def _topic_service_message(self, chat: dict[str, Any], thread_id: int) -> dict[str, Any]:
        stored = self._stored(chat["id"], thread_id)
        if stored is not None:
            return stored
        return {
            "message_id": thread_id,
            "date": _now(),
            "chat": chat,
            "from": self.bot_user(),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": "Topic", "icon_color": DEFAULT_ICON_COLOR},
        }

    def message_object(
        self,
        chat_id: int,
        user_id: int | None = None,
        text: str | None = None,
        *,
        message_id: int | None = None,
        message_thread_id: int | None = None,
        reply_to: int | dict[str, Any] | None = None,
        photo: str | bool | list[dict[str, Any]] | None = None,
        document: str | dict[str, Any] | None = None,
        voice: str | dict[str, Any] | None = None,
        caption: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        chat_type: str | None = None,
        chat_title: str | None = None,
        is_forum: bool | None = None,
        is_topic_message: bool | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        date: int | None = None,
        store: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Message dict from a user (without the Update wrapper)."""
        if user_id is None:
            user_id = chat_id
        user = self.user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        if is_forum is None and chat_type is None and self.server is None:
            is_forum = (message_thread_id is not None and chat_id < 0) or None
        chat = self.chat(
            chat_id, chat_type=chat_type, title=chat_title, is_forum=is_forum, user=user
        )
        if message_id is None:
            message_id = self.next_message_id(chat_id)
        elif self.server is not None:
            counters = self.server._message_ids
            counters[chat_id] = max(counters[chat_id], message_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": user,
            "chat": chat,
            "date": date or _now(),
        }
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            if is_topic_message is None:
                is_topic_message = self._is_forum(chat, message_thread_id)
            if is_topic_message:
                message["is_topic_message"] = True
        replied: dict[str, Any] | None = None
        if isinstance(reply_to, dict):
            replied = reply_to
        elif isinstance(reply_to, int):
            replied = self._stored(chat_id, reply_to) or {
                "message_id": reply_to,
                "date": _now(),
                "chat": chat,
                "from": self.bot_user(),
            }
            if message_thread_id is not None and "message_thread_id" not in replied:
                replied["message_thread_id"] = message_thread_id
        elif is_topic_message and message_thread_id is not None and self.implicit_topic_reply:
            replied = self._topic_service_message(chat, message_thread_id)
        if replied is not None:
            replied = copy.deepcopy(replied)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        if text is not None:
            message["text"] = text
            ents = entities if entities is not None else _command_entities(text)
            if ents:
                message["entities"] = ents
        if photo is not None:
            if isinstance(photo, list):
                message["photo"] = photo
            else:
                file_id = photo if isinstance(photo, str) else f"photo_in_{message_id}"
                message["photo"] = [
                    {
                        "file_id": file_id,
                        "file_unique_id": f"u{file_id}"[:32],
                        "width": 90,
                        "height": 90,
                        "file_size": 1000,
                    },
                    {
                        "file_id": file_id,
                        "file_unique_id": f"u{file_id}"[:32],
                        "width": 1280,
                        "height": 960,
                        "file_size": 100000,
                    },
                ]
        if document is not None:
            if isinstance(document, dict):
                message["document"] = document
            else:
                message["document"] = {
                    "file_id": document,
                    "file_unique_id": f"u{document}"[:32],
                    "file_name": "document.pdf",
                    "mime_type": "application/pdf",
                    "file_size": 12345,
                }
        if voice is not None:
            if isinstance(voice, dict):
                message["voice"] = voice
            else:
                message["voice"] = {
                    "file_id": voice,
                    "file_unique_id": f"u{voice}"[:32],
                    "duration": 3,
                    "mime_type": "audio/ogg",
                }
        if caption is not None:
            message["caption"] = caption
        message.update(extra)
        if store and self.server is not None:
            self.server._messages[chat_id][message_id] = _StoredMessage(
                copy.deepcopy(message), by_bot=False
            )
        return message

    def message(
        self, chat_id: int, user_id: int | None = None, text: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """``{"update_id", "message"}``; see ``message_object`` for the options.

        ``chat_type`` defaults to private for positive ids and supergroup for negative ones;
        ``is_topic_message`` defaults to True when ``message_thread_id`` is given in a forum.
        """
        update_id = kwargs.pop("update_id", None) or self.next_update_id()
        return {
            "update_id": update_id,
            "message": self.message_object(chat_id, user_id, text, **kwargs),
        }

    def edited_message(
        self,
        chat_id: int,
        user_id: int | None,
        text: str | None,
        message_id: int,
        **kwargs: Any,
    ) -> dict[str, Any]:
        update_id = kwargs.pop("update_id", None) or self.next_update_id()
        message = self.message_object(
            chat_id, user_id, text, message_id=message_id, store=False, **kwargs
        )
        message["edit_date"] = _now()
        if self.server is not None:
            stored = self.server._messages.get(chat_id, {}).get(message_id)
            if stored is not None:
                stored.message.update({k: v for k, v in message.items() if k != "date"})
        return {"update_id": update_id, "edited_message": message}

    def callback(
        self,
        chat_id: int,
        user_id: int | None,
        data: str,
        *,
        message_id: int | None = None,
        message: dict[str, Any] | None = None,
        message_text: str = "…",
        message_thread_id: int | None = None,
        reply_markup: dict[str, Any] | None = None,
        chat_type: str | None = None,
        callback_id: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """A ``callback_query`` pressed on a bot message (``message_id`` or a full ``message``)."""
        if user_id is None:
            user_id = chat_id
        user = self.user(
            user_id, first_name=first_name, username=username, language_code=language_code
        )
        if message is None and message_id is not None:
            message = self._stored(chat_id, message_id)
        if message is None:
            chat = self.chat(chat_id, chat_type=chat_type, user=user)
            message = {
                "message_id": message_id
                if message_id is not None
                else self.next_message_id(chat_id),
                "date": _now(),
                "chat": chat,
                "from": self.bot_user(),
                "text": message_text,
            }
            if message_thread_id is not None:
                message["message_thread_id"] = message_thread_id
                if self._is_forum(chat, message_thread_id):
                    message["is_topic_message"] = True
            if reply_markup is not None:
                message["reply_markup"] = reply_markup
        query = {
            "id": callback_id or f"cb{next(self._callback_ids)}",
            "from": user,
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": message,
        }
        return {"update_id": update_id or self.next_update_id(), "callback_query": query}

    def my_chat_member(
        self,
        chat_id: int,
        user_id: int,
        *,
        old_status: str = "left",
        new_status: str = "member",
        chat_type: str | None = None,
        chat_title: str | None = None,
        is_forum: bool | None = None,
        can_manage_topics: bool = True,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """The bot's own membership changed (added to a group, promoted, blocked, ...).

        In private chats a user blocking the bot is ``old_status="member",
        new_status="kicked"``.
        """
        user = self.user(user_id)
        bot = self.bot_user()
        rights = {"can_manage_topics": can_manage_topics}
        return {
            "update_id": update_id or self.next_update_id(),
            "my_chat_member": {
                "chat": self.chat(
                    chat_id, chat_type=chat_type, title=chat_title, is_forum=is_forum, user=user
                ),
                "from": user,
                "date": _now(),
                "old_chat_member": _member_dict(
                    old_status, bot, **(rights if old_status == "administrator" else {})
                ),
                "new_chat_member": _member_dict(
                    new_status, bot, **(rights if new_status == "administrator" else {})
                ),
            },
        }


tg_update = UpdateFactory()
"""A module-level, unbound factory: ``tg_update.message(42, 42, "/start")``."""
