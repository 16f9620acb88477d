"""A fake MAX Bot API server for tests, driven by the real maxapi client.

    async with FakeMax() as mx:
        bot = mx.make_bot()                      # maxapi Bot(auto_requests=False) aimed here
        await bot.send_message(chat_id=42, text="hi")
        assert mx.sent_texts(42) == ["hi"]

Wire format (as maxapi 1.2 uses it): the token arrives in the ``Authorization`` header
(``access_token`` query is accepted too); bodies are JSON; successes are JSON objects
(``{"message": {...}}`` for ``POST /messages``, ``{"success": true}`` for edits/deletes/
answers/subscriptions); every error is a non-2xx status with ``{"code": ..., "message": ...}``
which maxapi raises as ``MaxApiError(code=<status>, raw=<body>)``.

Chat ids: negative ids are group chats (``chat_type: "chat"``), positive ones dialogs.
A send with ``user_id=U`` goes to the dialog chat of U (by default the chat id U; set
another with ``add_dialog``).

``MaxUpdateFactory`` / ``max_update`` build update dicts that maxapi's Dispatcher parses;
feed them through polling (``mx.push_update`` + ``dp.start_polling``) or directly with
``feed_max_update(dp, bot, update)``.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from maxapi import Bot, Dispatcher

__all__ = [
    "FakeMax",
    "MaxCall",
    "MaxFault",
    "MaxUpdateFactory",
    "MaxUpload",
    "feed_max_update",
    "max_update",
]

DEFAULT_TOKEN = "max-test-token"
DEFAULT_BOT_ID = 900001
DEFAULT_USERNAME = "helpdesk_test_bot"
DEFAULT_FIRST_NAME = "Helpdesk Test Bot"
TEXT_LIMIT = 4000
UPLOAD_TYPES = ("image", "file", "video", "audio")

_INT_RE = re.compile(r"^-?\d+$")
_INT_QUERY_KEYS = frozenset(
    {"chat_id", "user_id", "marker", "timeout", "limit", "count", "from", "to"}
)


class MaxFault(Exception):
    """An error answer: raised inside the fake, turned into ``{"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class MaxUpload:
    """A file uploaded through ``POST /uploads`` + the upload URL."""

    type: str
    token: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class MaxCall:
    """One request the bot made.

    ``params``: the query string (ids as ints); ``body``: the JSON body (or None);
    ``chat_id``: the chat the call is about (resolved from ``user_id`` / ``message_id``
    where possible); ``response``: the JSON answered (success or error body).
    """

    method: str
    path: str
    params: dict[str, Any]
    body: Any
    chat_id: int | None
    at: float
    status: int = 200
    response: Any = None
    token: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str | None:
        if isinstance(self.body, dict):
            text = self.body.get("text")
            if text is None and isinstance(self.body.get("message"), dict):
                text = self.body["message"].get("text")
            return text
        return None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class _Fault:
    method: str | None
    path: str
    status: int
    code: str
    message: str
    chat_id: int | None
    times: int


@dataclass
class _StoredMessage:
    message: dict[str, Any]
    by_bot: bool
    deleted: bool = False


def _now_ms() -> int:
    return int(time.time() * 1000)


def _chat_type_for(chat_id: int) -> str:
    return "chat" if chat_id < 0 else "dialog"


class FakeMax:
    """A MAX Bot API server on 127.0.0.1 (free port) for the real maxapi client.

    Args:
        bot_id / username / first_name: what ``GET /me`` says.
        enforce_limits: answer 429 beyond ``per_second`` requests in any sliding second
            (all API calls except ``GET /updates`` and file uploads); counted in
            ``too_many_requests``. ``tolerance`` seconds of arrival jitter are forgiven.
        text_limit: longer texts are answered 400.
        poll_wait: the longest a ``GET /updates`` long poll is held.
        require_token: if set, other tokens are answered 401.
        clock: monotonic clock for ``MaxCall.at`` and the rate window.
    """

    def __init__(
        self,
        *,
        bot_id: int = DEFAULT_BOT_ID,
        username: str = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
        enforce_limits: bool = False,
        per_second: int = 30,
        tolerance: float = 0.01,
        text_limit: int = TEXT_LIMIT,
        poll_wait: float = 1.0,
        require_token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self.enforce_limits = enforce_limits
        self.per_second = per_second
        self.tolerance = tolerance
        self.text_limit = text_limit
        self.poll_wait = poll_wait
        self.require_token = require_token
        self.clock = clock

        self.calls: list[MaxCall] = []
        self.too_many_requests = 0
        self.subscriptions: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.uploads: dict[str, MaxUpload] = {}
        self.blocked: dict[int, tuple[str, str]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.dialogs: dict[int, int] = {}
        self.callbacks: dict[str, str] = {}  # callback_id -> mid of the pressed message
        # group chats: chat -> user -> ChatMember dict; the bot's own rights per chat
        self.members: dict[int, dict[int, dict[str, Any]]] = {}
        self.bot_rights: dict[int, dict[str, Any]] = {}
        self.bot_removed_from: set[int] = set()

        self._faults: list[_Fault] = []
        self._messages: dict[str, _StoredMessage] = {}
        self._mids = itertools.count(1)
        self._seqs = itertools.count(100_000)
        self._ids = itertools.count(1)
        self._pending_uploads: dict[str, tuple[str, str | None]] = {}
        self._updates: list[tuple[int, dict[str, Any]]] = []
        self._next_marker = 1
        self._acked = 0
        self._new_update = asyncio.Event()
        self._requests: deque[float] = deque()
        self._bots: list[Bot] = []
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port: int | None = None
        self.updates = MaxUpdateFactory(server=self)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeMax:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
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
            await bot.close_session()
        self._bots.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeMax:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeMax is not started")
        return f"http://127.0.0.1:{self.port}"

    def make_bot(self, token: str = DEFAULT_TOKEN, **kwargs: Any) -> Bot:
        """A real maxapi ``Bot`` aimed at this server; its session is closed by ``close()``.

        Test-friendly defaults (override by passing them): ``auto_requests=False``,
        ``after_input_media_delay`` / ``after_upload_retry_delay`` 10 ms, and no library
        retries on 502/503/504 (maxapi would otherwise back off 1 s, 2 s, 4 s).
        """
        from maxapi import Bot
        from maxapi.client.default import DefaultConnectionProperties

        kwargs.setdefault("auto_requests", False)
        kwargs.setdefault("after_input_media_delay", 0.01)
        kwargs.setdefault("after_upload_retry_delay", 0.01)
        kwargs.setdefault("default_connection", DefaultConnectionProperties(max_retries=0))
        bot = Bot(token, **kwargs)
        bot.set_api_url(self.base_url)
        self._bots.append(bot)
        return bot

    # ------------------------------------------------------------------ configuration

    def bot_user(self) -> dict[str, Any]:
        return {
            "user_id": self.bot_id,
            "first_name": self.first_name,
            "username": self.username,
            "is_bot": True,
            "last_activity_time": _now_ms(),
        }

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str | None = None,
        title: str | None = None,
        participants_count: int = 2,
        **extra: Any,
    ) -> dict[str, Any]:
        chat_type = type or _chat_type_for(chat_id)
        chat: dict[str, Any] = {
            "chat_id": chat_id,
            "type": chat_type,
            "status": "active",
            "title": title
            if title is not None
            else (None if chat_type == "dialog" else f"Chat {chat_id}"),
            "last_event_time": _now_ms(),
            "participants_count": participants_count,
            "is_public": False,
        }
        chat.update(extra)
        self.chats[chat_id] = chat
        return chat

    def add_group(
        self,
        chat_id: int,
        *,
        title: str | None = None,
        members: dict[int, str] | None = None,
        admins: tuple[int, ...] = (),
        bot_admin: bool = True,
        bot_permissions: list[str] | None = None,
    ) -> dict[str, Any]:
        """A group chat (negative id) with its members ({user_id: first name}), which of
        them are admins, and the bot's rights in it (by default an admin that reads all)."""
        chat = self.add_chat(chat_id, type="chat", title=title)
        self.members[chat_id] = {}
        for user_id, name in (members or {}).items():
            self.add_member(chat_id, user_id, name, is_admin=user_id in admins)
        self.bot_rights[chat_id] = {
            "is_admin": bot_admin,
            "permissions": (
                bot_permissions
                if bot_permissions is not None
                else ["read_all_messages", "write", "edit_message", "delete_message"]
            ),
        }
        return chat

    def add_member(
        self, chat_id: int, user_id: int, first_name: str | None = None, *, is_admin: bool = False
    ) -> None:
        self.members.setdefault(chat_id, {})[user_id] = {
            "user_id": user_id,
            "first_name": first_name or f"User{user_id}",
            "is_bot": False,
            "last_activity_time": _now_ms(),
            "is_owner": False,
            "is_admin": is_admin,
            "join_time": _now_ms(),
            "permissions": ["read_all_messages", "write"] if is_admin else None,
        }

    def remove_bot(self, chat_id: int, by_user: int = 1) -> dict[str, Any]:
        """The bot is removed from a chat: its calls there are refused (403) from now on.
        Returns the ``bot_removed`` update MAX sends."""
        self.bot_removed_from.add(chat_id)
        return self.updates.bot_removed(chat_id, by_user)

    def add_bot_back(self, chat_id: int, by_user: int = 1) -> dict[str, Any]:
        self.bot_removed_from.discard(chat_id)
        return self.updates.bot_added(chat_id, by_user)

    def delete_by_user(self, mid: str, user_id: int = 1) -> dict[str, Any]:
        """Someone deleted a message in its chat; returns the ``message_removed`` update."""
        stored = self._messages[mid]
        stored.deleted = True
        chat_id = stored.message["recipient"]["chat_id"]
        return self.updates.message_removed(chat_id, user_id, mid)

    def chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id not in self.chats:
            self.add_chat(chat_id)
        return self.chats[chat_id]

    def add_dialog(self, user_id: int, chat_id: int) -> None:
        """Sends with ``user_id=user_id`` land in dialog ``chat_id``."""
        self.dialogs[user_id] = chat_id
        self.add_chat(chat_id, type="dialog")

    def dialog_chat_id(self, user_id: int) -> int:
        return self.dialogs.get(user_id, user_id)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``GET /updates``."""
        self._updates.append((self._next_marker, copy.deepcopy(update)))
        self._next_marker += 1
        self._new_update.set()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return [u for marker, u in self._updates if marker > self._acked]

    def fail_next(
        self,
        path_or_method: str,
        status: int,
        code: str | None = None,
        message: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with an error.

        ``path_or_method``: ``"POST /messages"``, ``"/messages"`` (any HTTP method) or
        ``"*"``. Default codes: 429 ``too.many.requests``, 403 ``chat.denied``,
        400 ``bad.request``, 404 ``not.found``, 5xx ``internal.error``.
        """
        method: str | None = None
        path = path_or_method.strip()
        if " " in path:
            method, path = path.split(None, 1)
            method = method.upper()
        default_code, default_message = {
            400: ("bad.request", "Bad request"),
            401: ("verify.token", "Invalid access_token"),
            403: ("chat.denied", "chat.denied: bot is blocked by the user"),
            404: ("not.found", "Not found"),
            429: ("too.many.requests", "Too many requests"),
        }.get(status, ("internal.error", "Internal error"))
        self._faults.append(
            _Fault(
                method,
                path,
                status,
                code or default_code,
                message or default_message,
                chat_id,
                times,
            )
        )

    def block_chat(
        self,
        chat_id: int,
        code: str = "chat.denied",
        message: str = "chat.denied: bot is blocked by the user",
    ) -> None:
        """Every send / edit / action in ``chat_id`` answers 403 from now on."""
        self.blocked[chat_id] = (code, message)

    def unblock_chat(self, chat_id: int) -> None:
        self.blocked.pop(chat_id, None)

    # ------------------------------------------------------------------ assertions

    def calls_to(self, path: str, method: str | None = None) -> list[MaxCall]:
        """Calls to ``path`` (``"/messages"`` or ``"POST /messages"``)."""
        if " " in path and method is None:
            method, path = path.split(None, 1)
        return [
            c
            for c in self.calls
            if c.path == path and (method is None or c.method == method.upper())
        ]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Message objects of the successful ``POST /messages`` (as answered then)."""
        return [
            copy.deepcopy(c.response["message"])
            for c in self.calls
            if c.ok
            and c.method == "POST"
            and c.path == "/messages"
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages the bot sent successfully, in order."""
        texts = []
        for message in self.sent_messages(chat_id):
            text = (message.get("body") or {}).get("text")
            if text is not None:
                texts.append(text)
        return texts

    def messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages currently in a chat (edits applied, deleted ones gone)."""
        return [
            copy.deepcopy(s.message)
            for s in self._messages.values()
            if s.by_bot and not s.deleted and s.message["recipient"]["chat_id"] == chat_id
        ]

    def message(self, mid: str) -> dict[str, Any] | None:
        stored = self._messages.get(mid)
        return copy.deepcopy(stored.message) if stored and not stored.deleted else None

    def reset_calls(self) -> None:
        self.calls.clear()
        self.too_many_requests = 0

    async def wait_for(
        self,
        predicate: Callable[[MaxCall], bool] | str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> MaxCall:
        """Wait until a recorded call matches (a predicate, or ``"POST /messages"``)."""
        matches: Callable[[MaxCall], bool]
        if isinstance(predicate, str):
            target = predicate

            def matches(call: MaxCall) -> bool:
                return call.key == target or call.path == target

        else:
            matches = predicate
        found: list[MaxCall] = []

        def check() -> bool:
            for call in self.calls:
                if matches(call):
                    found.append(call)
                    return True
            return False

        await _wait_until(check, timeout, self._describe_calls)
        return found[0]

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        await _wait_until(condition, timeout, self._describe_calls)

    def _describe_calls(self) -> str:
        lines = [
            f"  {c.method} {c.path} {c.params} chat={c.chat_id} -> {c.status} {c.body}"
            for c in self.calls[-30:]
        ]
        return "recorded calls:\n" + ("\n".join(lines) if lines else "  (none)")

    # ------------------------------------------------------------------ HTTP layer

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        params: dict[str, Any] = {
            k: int(v) if k in _INT_QUERY_KEYS and _INT_RE.match(v) else v
            for k, v in request.query.items()
        }
        params.pop("access_token", None)
        token = request.headers.get("Authorization") or request.query.get("access_token")

        if path.startswith("/upload/") and method == "POST":
            # Upload servers take no token; not recorded as API calls.
            return await self._receive_upload(request, path)
        if path.startswith("/files/") and method == "GET":
            upload = self.uploads.get(path[len("/files/") :])
            if upload is None:
                return web.Response(status=404)
            return web.Response(
                body=upload.content, content_type=upload.content_type or "application/octet-stream"
            )

        body: Any = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = await request.text()
        call = MaxCall(
            method=method,
            path=path,
            params=params,
            body=body,
            chat_id=self._chat_of(path, params),
            at=self.clock(),
            token=token,
        )
        try:
            if not token or (self.require_token and token != self.require_token):
                raise MaxFault(401, "verify.token", "Invalid access_token")
            self._apply_fault(call)
            if call.key != "GET /updates":
                self._check_rate()
            result = self._route(call)
            if asyncio.iscoroutine(result):
                result = await result
        except MaxFault as fault:
            call.status = fault.status
            call.response = {"code": fault.code, "message": fault.message}
            self.calls.append(call)
            return web.json_response(call.response, status=fault.status)
        call.response = result
        self.calls.append(call)
        return web.json_response(result)

    def _chat_of(self, path: str, params: dict[str, Any]) -> int | None:
        if isinstance(params.get("chat_id"), int):
            return params["chat_id"]
        if isinstance(params.get("user_id"), int):
            return self.dialog_chat_id(params["user_id"])
        mid = params.get("message_id")
        if isinstance(mid, str) and mid in self._messages:
            return self._messages[mid].message["recipient"]["chat_id"]
        match = re.match(r"^/chats/(-?\d+)", path)
        if match:
            return int(match.group(1))
        return None

    def _apply_fault(self, call: MaxCall) -> None:
        for fault in self._faults:
            if fault.method is not None and fault.method != call.method:
                continue
            if fault.path not in ("*", call.path):
                continue
            if fault.chat_id is not None and fault.chat_id != call.chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            raise MaxFault(fault.status, fault.code, fault.message)

    def _check_rate(self) -> None:
        if not self.enforce_limits:
            return
        now = self.clock()
        span = 1.0 - self.tolerance
        while self._requests and self._requests[0] <= now - span:
            self._requests.popleft()
        if len(self._requests) >= self.per_second:
            self.too_many_requests += 1
            raise MaxFault(429, "too.many.requests", "Too many requests")
        self._requests.append(now)

    def _route(self, call: MaxCall) -> Any:
        key = call.key
        routes: dict[str, Callable[[MaxCall], Any]] = {
            "GET /me": lambda c: self.bot_user(),
            "PATCH /me/commands": self._set_commands,
            "POST /messages": self._send_message,
            "PUT /messages": self._edit_message,
            "DELETE /messages": self._delete_message,
            "GET /messages": self._get_messages,
            "POST /answers": self._answer,
            "GET /updates": self._get_updates,
            "GET /subscriptions": lambda c: {"subscriptions": copy.deepcopy(self.subscriptions)},
            "POST /subscriptions": self._subscribe,
            "DELETE /subscriptions": self._unsubscribe,
            "POST /uploads": self._upload_url,
            "GET /chats": lambda c: {"chats": list(self.chats.values()), "marker": None},
        }
        if key in routes:
            return routes[key](call)
        match = re.match(r"^/messages/([^/]+)$", call.path)
        if match and call.method == "GET":
            message = self.message(match.group(1))
            if message is None:
                raise MaxFault(404, "not.found", f"Message {match.group(1)} not found")
            return message
        match = re.match(r"^/chats/(-?\d+)(/.*)?$", call.path)
        if match:
            chat_id, rest = int(match.group(1)), match.group(2) or ""
            if call.method == "GET" and rest == "":
                return copy.deepcopy(self.chat(chat_id))
            if call.method == "POST" and rest == "/actions":
                self._check_blocked(chat_id)
                return {"success": True}
            if chat_id in self.bot_removed_from:
                raise MaxFault(403, "chat.denied", "You are not a member of this chat")
            if call.method == "GET" and rest == "/members/me":
                rights = self.bot_rights.get(chat_id, {"is_admin": True, "permissions": None})
                return {**self.bot_user(), "is_owner": False, **rights}
            if call.method == "GET" and rest == "/members/admins":
                admins = [m for m in self.members.get(chat_id, {}).values() if m["is_admin"]]
                return {"members": copy.deepcopy(admins), "marker": None}
            if call.method == "GET" and rest == "/members":
                return self._get_members(chat_id, call.params)
        raise MaxFault(404, "not.found", f"Path {call.path} not found")

    # ------------------------------------------------------------------ endpoints

    def _get_members(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        members = self.members.get(chat_id, {})
        wanted = params.get("user_ids")
        if wanted is None:
            found = list(members.values())
        else:
            ids = [int(x) for x in str(wanted).split(",") if x.strip()]
            found = [members[i] for i in ids if i in members]
        return {"members": copy.deepcopy(found), "marker": None}

    def _check_blocked(self, chat_id: int | None) -> None:
        if chat_id is not None and chat_id in self.bot_removed_from:
            raise MaxFault(403, "chat.denied", "You are not a member of this chat")
        if chat_id is not None and chat_id in self.blocked:
            code, message = self.blocked[chat_id]
            raise MaxFault(403, code, message)

    def _check_text(self, body: dict[str, Any]) -> None:
        text = body.get("text")
        if isinstance(text, str) and len(text) > self.text_limit:
            raise MaxFault(
                400, "proto.payload", f"text: size must be between 0 and {self.text_limit}"
            )

    def _set_commands(self, call: MaxCall) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        self.commands = list(body.get("commands") or [])
        return {"commands": self.commands}

    def _stored_attachment(self, att: Any) -> Any:
        """What the API shows for an attachment the bot sent (tokens become real media)."""
        if not isinstance(att, dict):
            return att
        kind = att.get("type")
        payload: dict[str, Any] = att["payload"] if isinstance(att.get("payload"), dict) else {}
        if kind not in UPLOAD_TYPES:
            return copy.deepcopy(att)
        token = payload.get("token") or f"tok{next(self._ids)}"
        url = payload.get("url") or f"{self.base_url}/files/{token}"
        upload = self.uploads.get(token)
        if kind == "image":
            return {
                "type": "image",
                "payload": {"photo_id": next(self._ids), "token": token, "url": url},
            }
        data: dict[str, Any] = {"type": kind, "payload": {"url": url, "token": token}}
        if kind == "file":
            data["filename"] = (upload.filename if upload else None) or "file"
            data["size"] = len(upload.content) if upload else 0
        if kind == "video":
            data["token"] = token
        return data

    def _link(self, link: Any) -> dict[str, Any] | None:
        if not isinstance(link, dict) or not link.get("mid"):
            return None
        stored = self._messages.get(link["mid"])
        if stored is None:
            return None
        source = stored.message
        return {
            "type": link.get("type", "reply"),
            "sender": source.get("sender"),
            "chat_id": source["recipient"]["chat_id"],
            "message": copy.deepcopy(source["body"]),
        }

    def _send_message(self, call: MaxCall) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        params = call.params
        if call.chat_id is None:
            raise MaxFault(400, "proto.payload", "chat_id or user_id is required")
        chat_id = call.chat_id
        self._check_blocked(chat_id)
        self._check_text(body)
        attachments = [self._stored_attachment(a) for a in body.get("attachments") or []]
        if not body.get("text") and not attachments:
            raise MaxFault(400, "proto.payload", "text or attachments required")
        mid = f"mid.{next(self._mids):032x}"
        recipient: dict[str, Any] = {"chat_id": chat_id, "chat_type": _chat_type_for(chat_id)}
        if isinstance(params.get("user_id"), int):
            recipient["user_id"] = params["user_id"]
        elif recipient["chat_type"] == "dialog":
            recipient["user_id"] = chat_id
        message: dict[str, Any] = {
            "sender": self.bot_user(),
            "recipient": recipient,
            "timestamp": _now_ms(),
            "body": {
                "mid": mid,
                "seq": next(self._seqs),
                "text": body.get("text"),
                "attachments": attachments,
                "markup": [],
            },
        }
        link = self._link(body.get("link"))
        if link is not None:
            message["link"] = link
        self._messages[mid] = _StoredMessage(copy.deepcopy(message), by_bot=True)
        return {"message": message}

    def _message_for(self, call: MaxCall) -> _StoredMessage | None:
        mid = call.params.get("message_id")
        if not mid:
            raise MaxFault(400, "proto.payload", "message_id is required")
        stored = self._messages.get(mid)
        if stored is not None and stored.deleted:
            raise MaxFault(404, "not.found", "Message not found")
        return stored

    def _edit_message(self, call: MaxCall) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        stored = self._message_for(call)
        self._check_blocked(call.chat_id)
        self._check_text(body)
        if stored is not None:
            message_body = stored.message["body"]
            if "text" in body:
                message_body["text"] = body["text"]
            if body.get("attachments") is not None:
                message_body["attachments"] = [
                    self._stored_attachment(a) for a in body["attachments"]
                ]
        return {"success": True}

    def _delete_message(self, call: MaxCall) -> dict[str, Any]:
        stored = self._message_for(call)
        if stored is not None:
            stored.deleted = True
        return {"success": True}

    def _get_messages(self, call: MaxCall) -> dict[str, Any]:
        chat_id = call.params.get("chat_id")
        messages = [
            copy.deepcopy(s.message)
            for s in self._messages.values()
            if not s.deleted and (chat_id is None or s.message["recipient"]["chat_id"] == chat_id)
        ]
        return {"messages": messages}

    def _answer(self, call: MaxCall) -> dict[str, Any]:
        callback_id = call.params.get("callback_id")
        if not callback_id:
            raise MaxFault(400, "proto.payload", "callback_id is required")
        body = call.body if isinstance(call.body, dict) else {}
        update = body.get("message")
        stored = self._messages.get(self.callbacks.get(callback_id, ""))
        if isinstance(update, dict) and stored is not None and not stored.deleted:
            # An answer with a message replaces the pressed message's content.
            self._check_text(update)
            if update.get("text") is not None:
                stored.message["body"]["text"] = update["text"]
            if update.get("attachments") is not None:
                stored.message["body"]["attachments"] = [
                    self._stored_attachment(a) for a in update["attachments"]
                ]
        return {"success": True}

    async def _get_updates(self, call: MaxCall) -> dict[str, Any]:
        marker = call.params.get("marker")
        if isinstance(marker, int):
            self._acked = max(self._acked, marker - 1)
        limit = call.params.get("limit") or 100
        types = call.params.get("types")
        wanted = set(types.split(",")) if isinstance(types, str) and types else None

        def available() -> list[tuple[int, dict[str, Any]]]:
            return [
                (m, u)
                for m, u in self._updates
                if m > self._acked and (wanted is None or u.get("update_type") in wanted)
            ]

        timeout = call.params.get("timeout")
        wait = min(float(timeout if isinstance(timeout, int) else 30), self.poll_wait)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not available() and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                break
        batch = available()[:limit]
        next_marker = batch[-1][0] + 1 if batch else self._acked + 1
        return {"updates": [copy.deepcopy(u) for _, u in batch], "marker": next_marker}

    def _subscribe(self, call: MaxCall) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        url = body.get("url")
        if not url:
            raise MaxFault(400, "proto.payload", "url is required")
        self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
        self.subscriptions.append(
            {"url": url, "time": _now_ms(), "update_types": body.get("update_types")}
        )
        return {"success": True}

    def _unsubscribe(self, call: MaxCall) -> dict[str, Any]:
        url = call.params.get("url")
        self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
        return {"success": True}

    def _upload_url(self, call: MaxCall) -> dict[str, Any]:
        kind = call.params.get("type")
        if kind not in UPLOAD_TYPES:
            raise MaxFault(400, "proto.payload", f"unknown upload type {kind!r}")
        slot = f"up{next(self._ids)}"
        token = f"{kind}-token-{next(self._ids)}" if kind in ("video", "audio") else None
        self._pending_uploads[slot] = (kind, token)
        answer: dict[str, Any] = {"url": f"{self.base_url}/upload/{slot}"}
        if token:
            answer["token"] = token
        return answer

    async def _receive_upload(self, request: web.Request, path: str) -> web.Response:
        slot = path[len("/upload/") :]
        if slot not in self._pending_uploads:
            return web.json_response({"error": "unknown upload slot"}, status=404)
        kind, token = self._pending_uploads.pop(slot)
        form = await request.post()
        part = form.get("data")
        if not isinstance(part, web.FileField):
            return web.json_response({"error": "no data part"}, status=400)
        token = token or f"{kind}-token-{next(self._ids)}"
        self.uploads[token] = MaxUpload(
            type=kind,
            token=token,
            filename=part.filename,
            content_type=part.content_type,
            content=part.file.read(),
        )
        if kind == "image":
            return web.json_response({"photos": {str(next(self._ids)): {"token": token}}})
        if kind == "file":
            return web.json_response({"fileId": next(self._ids), "token": token})
        return web.json_response({"id": next(self._ids)})


async def _wait_until(
    condition: Callable[[], bool], seconds: float, describe: Callable[[], str]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() >= deadline:
            raise AssertionError(f"condition not met within {seconds}s\n{describe()}")
        await asyncio.sleep(0.01)


async def feed_max_update(dp: Dispatcher, bot: Bot, update: dict[str, Any]) -> None:
    """Handle one update dict with maxapi's Dispatcher, without polling or a webhook.

    Prepares the dispatcher on first use (``dp.startup(bot)``: ``GET /me``).
    """
    from maxapi.methods.types.getted_updates import process_update_webhook

    await dp.startup(bot)
    event = await process_update_webhook(update, bot)
    if event is None:
        raise ValueError(f"maxapi could not parse the update: {update!r}")
    await dp.handle(event)


# ---------------------------------------------------------------------- update builders


class MaxUpdateFactory:
    """Builds MAX update dicts in the shape maxapi's Dispatcher parses.

    Bound to a ``FakeMax`` (``mx.updates``), a callback on a ``mid`` the bot sent carries
    that stored message, and user messages are remembered (``mx.message(mid)``).
    """

    def __init__(
        self,
        *,
        bot_id: int | None = None,
        bot_username: str = DEFAULT_USERNAME,
        bot_first_name: str = DEFAULT_FIRST_NAME,
        server: FakeMax | None = None,
    ) -> None:
        self._bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.server = server
        self._mids = itertools.count(1)
        self._seqs = itertools.count(1)
        self._callbacks = itertools.count(1)
        self._ids = itertools.count(1)

    @property
    def bot_id(self) -> int:
        if self._bot_id is not None:
            return self._bot_id
        return self.server.bot_id if self.server is not None else DEFAULT_BOT_ID

    def bot_user(self) -> dict[str, Any]:
        if self.server is not None:
            return self.server.bot_user()
        return {
            "user_id": self.bot_id,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "is_bot": True,
            "last_activity_time": _now_ms(),
        }

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user_id": user_id,
            "first_name": first_name or f"User{user_id}",
            "is_bot": is_bot,
            "last_activity_time": _now_ms(),
        }
        if last_name:
            data["last_name"] = last_name
        if username:
            data["username"] = username
        return data

    def next_mid(self) -> str:
        return f"mid.u{next(self._mids):031x}"

    # attachments a user can send -------------------------------------------------

    def image(
        self, *, url: str | None = None, token: str | None = None, photo_id: int | None = None
    ) -> dict[str, Any]:
        n = next(self._ids)
        return {
            "type": "image",
            "payload": {
                "photo_id": photo_id or n,
                "token": token or f"in-image-{n}",
                "url": url or f"https://i.example.invalid/i?r={n}",
            },
        }

    def file(
        self,
        filename: str = "document.pdf",
        *,
        url: str | None = None,
        token: str | None = None,
        size: int = 12345,
    ) -> dict[str, Any]:
        n = next(self._ids)
        return {
            "type": "file",
            "payload": {
                "url": url or f"https://files.example.invalid/{n}/{filename}",
                "token": token or f"in-file-{n}",
            },
            "filename": filename,
            "size": size,
        }

    def inline_keyboard(self, *rows: list[tuple[str, str]]) -> dict[str, Any]:
        """``inline_keyboard([("Yes", "yes"), ("No", "no")])``: callback buttons."""
        return {
            "type": "inline_keyboard",
            "payload": {
                "buttons": [
                    [
                        {"type": "callback", "text": text, "payload": payload}
                        for text, payload in row
                    ]
                    for row in rows
                ]
            },
        }

    # messages and updates -----------------------------------------------------------

    def message(
        self,
        chat_id: int,
        user_id: int | None,
        text: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        *,
        mid: str | None = None,
        chat_type: str | None = None,
        sender: dict[str, Any] | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        link: dict[str, Any] | None = None,
        reply_to: str | None = None,
        timestamp: int | None = None,
        store: bool = True,
    ) -> dict[str, Any]:
        """A Message object from a user (``user_id=None``: from the bot)."""
        if sender is None:
            sender = (
                self.bot_user()
                if user_id is None
                else self.user(
                    user_id, first_name=first_name, last_name=last_name, username=username
                )
            )
        chat_type = chat_type or _chat_type_for(chat_id)
        recipient: dict[str, Any] = {"chat_id": chat_id, "chat_type": chat_type}
        if chat_type == "dialog":
            recipient["user_id"] = self.bot_id if user_id is not None else chat_id
        mid = mid or self.next_mid()
        message: dict[str, Any] = {
            "sender": sender,
            "recipient": recipient,
            "timestamp": timestamp or _now_ms(),
            "body": {
                "mid": mid,
                "seq": next(self._seqs),
                "text": text,
                "attachments": attachments or [],
                "markup": [],
            },
        }
        if link is None and reply_to is not None:
            source = self.server.message(reply_to) if self.server is not None else None
            if source is not None:
                link = {
                    "type": "reply",
                    "sender": source.get("sender"),
                    "chat_id": source["recipient"]["chat_id"],
                    "message": source["body"],
                }
            else:
                link = {
                    "type": "reply",
                    "sender": self.bot_user(),
                    "chat_id": chat_id,
                    "message": {"mid": reply_to, "seq": 0, "text": None, "attachments": []},
                }
        if link is not None:
            message["link"] = link
        if store and self.server is not None:
            self.server._messages[mid] = _StoredMessage(
                copy.deepcopy(message), by_bot=user_id is None
            )
        return message

    def message_created(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        *,
        user_locale: str | None = "en",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``message_created`` from user ``user_id`` in ``chat_id`` (see ``message``)."""
        message = self.message(chat_id, user_id, text, attachments, **kwargs)
        return {
            "update_type": "message_created",
            "timestamp": message["timestamp"],
            "message": message,
            "user_locale": user_locale,
        }

    def message_edited(
        self,
        chat_id: int,
        user_id: int,
        text: str | None,
        mid: str,
        attachments: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        message = self.message(chat_id, user_id, text, attachments, mid=mid, **kwargs)
        return {"update_type": "message_edited", "timestamp": _now_ms(), "message": message}

    def message_callback(
        self,
        chat_id: int,
        user_id: int,
        payload: str | None,
        *,
        callback_id: str | None = None,
        mid: str | None = None,
        message: dict[str, Any] | None = None,
        message_text: str | None = "…",
        attachments: list[dict[str, Any]] | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        user_locale: str | None = "en",
    ) -> dict[str, Any]:
        """A button press on a bot message (``mid`` of a message the bot sent, if bound)."""
        if message is None and mid is not None and self.server is not None:
            message = self.server.message(mid)
        if message is None:
            message = self.message(chat_id, None, message_text, attachments, mid=mid, store=False)
        ts = _now_ms()
        callback_id = callback_id or f"cb.{next(self._callbacks):08d}"
        if self.server is not None:
            self.server.callbacks[callback_id] = message["body"]["mid"]
        return {
            "update_type": "message_callback",
            "timestamp": ts,
            "callback": {
                "timestamp": ts,
                "callback_id": callback_id,
                "payload": payload,
                "user": self.user(
                    user_id, first_name=first_name, last_name=last_name, username=username
                ),
            },
            "message": message,
            "user_locale": user_locale,
        }

    def bot_started(
        self,
        chat_id: int,
        user_id: int,
        payload: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        user_locale: str | None = "en",
    ) -> dict[str, Any]:
        """The user pressed Start (a deep link's ``?start=X`` arrives as ``payload``)."""
        data: dict[str, Any] = {
            "update_type": "bot_started",
            "timestamp": _now_ms(),
            "chat_id": chat_id,
            "user": self.user(
                user_id, first_name=first_name, last_name=last_name, username=username
            ),
            "user_locale": user_locale,
        }
        if payload is not None:
            data["payload"] = payload
        return data

    def bot_stopped(
        self, chat_id: int, user_id: int, *, user_locale: str | None = "en"
    ) -> dict[str, Any]:
        """The user stopped (blocked) the bot."""
        return {
            "update_type": "bot_stopped",
            "timestamp": _now_ms(),
            "chat_id": chat_id,
            "user": self.user(user_id),
            "user_locale": user_locale,
        }

    def bot_added(self, chat_id: int, user_id: int, *, is_channel: bool = False) -> dict[str, Any]:
        return {
            "update_type": "bot_added",
            "timestamp": _now_ms(),
            "chat_id": chat_id,
            "user": self.user(user_id),
            "is_channel": is_channel,
        }

    def bot_removed(self, chat_id: int, user_id: int) -> dict[str, Any]:
        return {
            "update_type": "bot_removed",
            "timestamp": _now_ms(),
            "chat_id": chat_id,
            "user": self.user(user_id),
            "is_channel": False,
        }

    def message_removed(self, chat_id: int, user_id: int, mid: str) -> dict[str, Any]:
        return {
            "update_type": "message_removed",
            "timestamp": _now_ms(),
            "message_id": mid,
            "chat_id": chat_id,
            "user_id": user_id,
        }


max_update = MaxUpdateFactory()
"""A module-level, unbound factory: ``max_update.message_created(42, 42, "hi")``."""
