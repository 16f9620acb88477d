"""Requests aiohttp's parser refuses (an oversized or broken header, a duplicate or conflicting
Content-Length): answered in the JSON error envelope instead of aiohttp's text/plain that
echoes the offending header, and logged at most once a minute per kind, without a traceback
(any client, unauthenticated, can send them as fast as it likes).

aiohttp 3.14 answers these in `RequestHandler.handle_error` before any middleware runs, and
its `Server` builds the `RequestHandler` class by name with no parameter to pass another, so
`install()` points that name at the subclass below, for every server in the process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web, web_server
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

from api.errors import envelope

log = logging.getLogger("api.http")

LOG_PERIOD = 60.0  # seconds: one line per kind of malformed request at most this often


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


_TOO_LARGE = Refusal(
    431, "headers_too_large", "a request header or the request line is larger than 8 KB"
)
_REFUSALS = {
    "header_too_large": _TOO_LARGE,
    "too_many_headers": Refusal(431, "headers_too_large", "too many request headers"),
    "invalid_header": Refusal(
        400, "bad_request", "malformed HTTP request: a header has an invalid character"
    ),
    "duplicate_content_length": Refusal(
        400, "bad_request", "malformed HTTP request: Content-Length is given twice"
    ),
    "duplicate_header": Refusal(
        400, "bad_request", "malformed HTTP request: a header that may appear once is repeated"
    ),
    "content_length_with_transfer_encoding": Refusal(
        400, "bad_request",
        "malformed HTTP request: Content-Length and Transfer-Encoding together",
    ),
    "bad_request": Refusal(400, "bad_request", "malformed HTTP request"),
}


def kind_of(error: HttpProcessingError) -> str:
    """The kind of a parser error, from its class and the start of its message (the C and
    the pure-Python parsers word them differently)."""
    if isinstance(error, LineTooLong):
        return "header_too_large"
    text = (error.message or "").lower()
    if "too many headers" in text:
        return "too_many_headers"
    if "transfer-encoding" in text and "content-length" in text:
        return "content_length_with_transfer_encoding"
    if "duplicate" in text:
        return "duplicate_content_length" if "content-length" in text else "duplicate_header"
    if "header" in text:
        return "invalid_header"
    return "bad_request"


class KindThrottle:
    """Logs the first malformed request of a kind, then counts the rest for LOG_PERIOD."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._logged_at: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def note(self, kind: str, remote: str | None) -> None:
        now = self.clock()
        logged_at = self._logged_at.get(kind)
        if logged_at is not None and now - logged_at < LOG_PERIOD:
            self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
            return
        self._logged_at[kind] = now
        unlogged = self._unlogged.pop(kind, 0)
        log.warning(
            "malformed HTTP request refused (%s) from %s%s", kind, remote or "unknown",
            f"; {unlogged} more of this kind since the last such line" if unlogged else "",
        )


THROTTLE = KindThrottle()


class JsonErrorRequestHandler(web.RequestHandler):
    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status != 400 or not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        kind = kind_of(exc)
        THROTTLE.note(kind, request.remote)
        if request.writer.output_size > 0:  # as aiohttp does: too late for another answer
            raise ConnectionError("response already started; cannot answer the parse error")
        refusal = _REFUSALS[kind]
        response = web.json_response(
            envelope(refusal.message, refusal.code), status=refusal.status
        )
        response.force_close()  # the rest of the stream cannot be trusted
        return response


def install() -> None:
    """Make every aiohttp server of this process answer parse errors as above (idempotent)."""
    current = web_server.RequestHandler
    if current is JsonErrorRequestHandler:
        return
    if current is not web.RequestHandler:  # another library's subclass: leave it be
        log.warning("aiohttp's request handler is already replaced; parse errors stay text")
        return
    web_server.RequestHandler = JsonErrorRequestHandler  # type: ignore[misc]
