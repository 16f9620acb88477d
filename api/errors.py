"""The one place where failures become API.md's JSON error envelope."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from services.errors import (
    HelpdeskError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ValidationFailed,
)

log = logging.getLogger("api")

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)

# aiohttp's own HTTP errors (routing, body size) in our vocabulary
_HTTP_CODES = {
    400: ValidationFailed.code,
    404: NotFound.code,
    405: "method_not_allowed",
    413: PayloadTooLarge.code,
}


def envelope(
    message: str, code: str, *, retryable: bool = False, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code, "retryable": retryable}
    if details:
        body["details"] = details
    return body


def error_response(error: HelpdeskError) -> web.Response:
    response = web.json_response(
        envelope(error.message, error.code, retryable=error.retryable, details=error.details),
        status=error.http_status,
    )
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def validation_error(exc: ValidationError, *, where: str = "body") -> ValidationFailed:
    """Pydantic's report as field-level details (no input values echoed back)."""
    details = []
    for item in exc.errors(include_url=False, include_input=False):
        if item["type"] == "json_invalid":
            return ValidationFailed(
                "request body is not valid JSON",
                details=[{"field": "body", "message": "malformed JSON"}],
            )
        field = ".".join(str(part) for part in item["loc"]) or where
        details.append({"field": field, "message": item["msg"]})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return ValidationFailed(f"invalid {where}: {summary}", details=details)


def _request_id(request: web.Request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if 8 <= len(incoming) <= 64 and incoming.isascii() and incoming.isprintable():
        return incoming
    return secrets.token_hex(8)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every failure answers JSON; unexpected ones are logged with the request id, never shown."""
    request_id = request[REQUEST_ID] = _request_id(request)
    try:
        response = await handler(request)
    except HelpdeskError as error:
        response = error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        message = {
            404: "no such endpoint",
            413: "request body is larger than 1 MiB",
        }.get(exc.status, exc.reason)
        response = web.json_response(envelope(message, code), status=exc.status)
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
    except Exception:
        log.exception("unhandled error in %s %s [request %s]", request.method, request.path,
                      request_id)
        response = web.json_response(
            envelope(f"internal error (request {request_id})", "internal_error", retryable=True),
            status=500,
        )
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
