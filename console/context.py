"""What the console's views share: request keys, the page language, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from services.console_auth import ConsoleIdentity
from services.i18n import SUPPORTED, Translator
from services.ratelimit import RateLimiter

PREFIX = "/console"
SESSION_COOKIE = "hd_console"
LANG_COOKIE = "hd_lang"
POLL_MS = 3000  # the live refresh asks "anything new?" this often


@dataclass
class ConsoleState:
    resources_key: web.AppKey[Any]
    limiter: RateLimiter | None = None  # made on first use, once Redis is open


STATE = web.AppKey("console_state", ConsoleState)
IDENTITY = web.RequestKey("console_identity", ConsoleIdentity)
LOCALE = web.RequestKey("console_locale", str)


def identity_of(request: web.Request) -> ConsoleIdentity:
    """The signed-in agent (the middleware answered already when nobody is signed in)."""
    return request[IDENTITY]


def resources_of(request: web.Request) -> Any:
    return request.config_dict[request.config_dict[STATE].resources_key]


def limiter_of(request: web.Request) -> RateLimiter:
    state = request.config_dict[STATE]
    if state.limiter is None:
        state.limiter = RateLimiter.for_redis(resources_of(request).redis)
    return state.limiter


def pick_language(request: web.Request) -> str:
    """The switch's cookie, else the browser's Accept-Language (by its q order), else en."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in SUPPORTED:
        return chosen
    offers = []
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offers.append((quality, tag.split("-")[0].lower()))
    for _, language in sorted(offers, key=lambda offer: -offer[0]):
        if language in SUPPORTED:
            return language
    return "en"


class PageTranslator:
    """`t` in templates: a list page asks for the same few words hundreds of times (a status
    per row), so texts without arguments are formatted once per page."""

    def __init__(self, locale: str) -> None:
        self._translate = Translator(locale)
        self._plain: dict[str, str] = {}

    def __call__(self, key: str, **args: Any) -> str:
        if args:
            return self._translate(key, **args)
        text = self._plain.get(key)
        if text is None:
            text = self._plain[key] = self._translate(key)
        return text


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    identity = request.get(IDENTITY)
    page = {
        "t": PageTranslator(request.get(LOCALE, "en")),
        "lang": request.get(LOCALE, "en"),
        "me": identity,
        "csrf": identity.csrf_token if identity else "",
        "here": request.path_qs,
        "poll_ms": POLL_MS,
        **context,
    }
    return aiohttp_jinja2.render_template(template, request, page, status=status)
