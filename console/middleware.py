"""The console's one middleware: language, security headers, who is signed in, the CSRF
check of every form post, and failures as HTML pages (never a stack trace)."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from api.context import Handler
from console.context import IDENTITY, LOCALE, SESSION_COOKIE, pick_language, render
from services.console_auth import check_csrf, session_identity
from services.errors import HelpdeskError

log = logging.getLogger(__name__)

# no inline script or style anywhere: everything comes from /console/static
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PUBLIC_ROUTES = {"console_login", "console_lang", "console_static"}
_ERROR_KEYS = {
    401: "console-error-signed-out",
    403: "console-error-forbidden",
    404: "console-error-not-found",
    410: "console-error-link-gone",
    429: "console-error-rate-limited",
}


def _secure_headers(response: web.StreamResponse) -> None:
    if response.prepared:  # a streamed file set its own
        return
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # the sign-in URL holds a token: never sent on as a Referer
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")


def error_page(request: web.Request, status: int, message: str | None = None) -> web.Response:
    wants_json = request.path.endswith(".json")
    key = _ERROR_KEYS.get(status, "console-error-failed")
    if wants_json:
        return web.json_response({"error": key}, status=status)
    return render(request, "error.html", {"status": status, "key": key, "detail": message},
                  status=status)


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    request[LOCALE] = pick_language(request)
    route = request.match_info.route.name
    try:
        if route not in PUBLIC_ROUTES:
            identity = await session_identity(request.cookies.get(SESSION_COOKIE))
            if identity is None:
                response: web.StreamResponse = error_page(request, 401)
                _secure_headers(response)
                return response
            request[IDENTITY] = identity
            if request.method not in ("GET", "HEAD"):
                form = await request.post()
                csrf = form.get("csrf")
                check_csrf(identity, csrf if isinstance(csrf, str) else None)
        response = await handler(request)
    except HelpdeskError as error:
        if error.http_status >= 500:
            raise
        if error.http_status in (400, 409):  # a form's problem: the message says which
            response = error_page(request, error.http_status, error.message)
        else:
            response = error_page(request, error.http_status)
    except web.HTTPException as exc:
        if exc.status < 400:
            _secure_headers(exc)
            raise
        response = error_page(request, exc.status)
    _secure_headers(response)
    if not response.prepared:  # the page's own time, for bench/console.py and browsers' tools
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    return response
