"""The one place where failures become API.md's JSON error envelope."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from api.context import is_keyed_path
from services.errors import (
    DatabaseUnavailable,
    HelpdeskError,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from services.outages import Outage, is_database_unavailable

log = logging.getLogger("api")

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
# this process's view of the database: an outage is logged when it starts and when it ends
DATABASE_OUTAGE = web.AppKey("database_outage", Outage)

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
    if error.retry_after is not None:
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
    """Every failure answers JSON; unexpected ones are logged with the request id, never shown.
    An unreachable database answers 503 and is logged once per outage, not per request."""
    request_id = request[REQUEST_ID] = _request_id(request)
    outage = request.app.get(DATABASE_OUTAGE)
    try:
        response = await handler(request)
    except HelpdeskError as error:
        response = error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _http_error(exc)
    except Exception as exc:
        if outage is not None and is_database_unavailable(exc):
            outage.failure(exc)
            response = error_response(
                DatabaseUnavailable("the database is unavailable; retry in a few seconds")
            )
        else:
            log.exception("unhandled error in %s %s [request %s]", request.method,
                          request.path, request_id)
            response = web.json_response(
                envelope(f"internal error (request {request_id})", "internal_error",
                         retryable=True),
                status=500,
            )
    else:
        if outage is not None and 200 <= response.status < 300 and is_keyed_path(
            request.path
        ):
            outage.success()  # an API answer, which needs the database, got through
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _http_error(exc: web.HTTPException) -> web.Response:
    code = _HTTP_CODES.get(exc.status, "http_error")
    message = {
        404: "no such endpoint",
        413: "request body is larger than 1 MiB",
    }.get(exc.status, exc.reason)
    response = web.json_response(envelope(message, code), status=exc.status)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response
