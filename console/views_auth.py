"""Sign-in by one-time link, sign-out, the language switch."""

from __future__ import annotations

import logging

from aiohttp import web

from console.context import (
    LANG_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    identity_of,
    limiter_of,
    resources_of,
)
from console.middleware import error_page
from helpdesk.settings import console_base_url
from services import console_auth
from services.i18n import SUPPORTED

log = logging.getLogger(__name__)

LOGIN_ATTEMPTS = 10  # sign-in link openings per client address ...
LOGIN_WINDOW = 60  # ... per minute (tokens are unguessable; this bounds hammering)
LOGIN_FAILURES = 20  # failed openings per client address ...
FAILURE_WINDOW = 900  # ... per 15 minutes, then 429 instead of 410


def _secure(request: web.Request) -> bool:
    settings = resources_of(request).settings
    return request.secure or console_base_url(settings).startswith("https://")


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
        max_age=int(console_auth.SESSION_IDLE.total_seconds()),
    )


async def login(request: web.Request) -> web.StreamResponse:
    """GET /console/login/{token}: the link's one use opens a session (API.md)."""
    client = request.remote or "unknown"
    limiter = limiter_of(request)
    attempt = await limiter.hit(f"console-login:{client}", LOGIN_ATTEMPTS, LOGIN_WINDOW)
    if not attempt.allowed:
        log.warning("console sign-in refused: too many attempts from %s", client)
        return error_page(request, 429)
    try:
        opened = await console_auth.redeem_login_link(request.match_info["token"])
    except console_auth.LinkGone:
        failures = await limiter.hit(f"console-login-fail:{client}", LOGIN_FAILURES,
                                     FAILURE_WINDOW)
        log.warning("console sign-in failed from %s: link used, expired or unknown", client)
        return error_page(request, 429 if not failures.allowed else 410)
    response = web.HTTPSeeOther(PREFIX)
    set_session_cookie(request, response, opened.token)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    await console_auth.sign_out(identity_of(request))
    response = web.HTTPSeeOther(PREFIX)
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response


async def switch_language(request: web.Request) -> web.StreamResponse:
    language = request.match_info["lang"]
    target = request.query.get("next", PREFIX)
    # only a page of the console: never an open redirect
    if not target.startswith(PREFIX) or target.startswith("//"):
        target = PREFIX
    response = web.HTTPSeeOther(target)
    if language in SUPPORTED:
        response.set_cookie(LANG_COOKIE, language, path=PREFIX, samesite="Lax",
                            max_age=365 * 24 * 3600)
    return response
