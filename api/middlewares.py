"""Auth, rate limit and idempotency for the keyed API: /v1/helpdesk/*, /v1/subscribers,
/v1/subscribe-link, /v1/messages, /v1/broadcasts (the error middleware wraps them all)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from api.context import (
    API_STATE,
    CALLER,
    Handler,
    is_helpdesk_path,
    is_keyed_path,
    operation_of,
)
from api.errors import error_response
from services import idempotency
from services.errors import HelpdeskError, RateLimited
from services.projects import api_caller, ensure_helpdesk_enabled
from services.ratelimit import Decision, RateLimiter

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _is_api(request: web.Request) -> bool:
    return is_keyed_path(request.path)


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bearer key → project; every lookup after this is scoped by that project."""
    if not _is_api(request):
        return await handler(request)
    try:
        caller = await api_caller(_bearer(request))
    except HelpdeskError as error:
        response = error_response(error)
        response.headers["WWW-Authenticate"] = 'Bearer realm="helpdesk"'
        return response
    if is_helpdesk_path(request.path):  # subscribers and messages work without a helpdesk
        ensure_helpdesk_enabled(caller.project)
    request[CALLER] = caller
    return await handler(request)


def _limit_headers(response: web.StreamResponse, name: str, decision: Decision) -> None:
    # draft-ietf-httpapi-ratelimit-headers: quota q per w seconds; r remaining, t seconds left
    response.headers["RateLimit-Policy"] = f'"{name}";q={decision.limit};w={decision.window}'
    response.headers["RateLimit"] = f'"{name}";r={decision.remaining};t={decision.reset}'


def _refusal(decision: Decision) -> web.Response:
    return error_response(
        RateLimited(
            f"rate limit of {decision.limit} requests per {decision.window} s exceeded",
            retry_after=decision.reset,
        )
    )


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Per project per minute; the status poll instead per project and request id."""
    operation = operation_of(request)
    limiter = request.app[API_STATE].limiter
    if operation is None or limiter is None or CALLER not in request:
        return await handler(request)
    if operation.limit == "poll":
        return await _limited_poll(request, handler, limiter)
    project = request[CALLER].project
    decision = await limiter.hit_project(project.id, project.rate_limit)
    if decision.limit == 0:  # rate_limit 0: no limit, nothing to advertise
        return await handler(request)
    response: web.StreamResponse
    if not decision.allowed:
        response = _refusal(decision)
    else:
        try:
            response = await handler(request)
        except HelpdeskError as error:  # rendered here so that errors carry the headers too
            response = error_response(error)
    _limit_headers(response, "project", decision)
    return response


async def _limited_poll(
    request: web.Request, handler: Handler, limiter: RateLimiter
) -> web.StreamResponse:
    """A poll is counted after the lookup, under the caller's project: another project polling
    an id it does not own gets its 404 and counts nothing, so it cannot use up the owner's
    quota. The lookup is one read, so answering it before refusing costs little."""
    try:
        response = await handler(request)
    except HelpdeskError as error:
        return error_response(error)
    decision = await limiter.hit_poll(request[CALLER].project.id, request.match_info["request_id"])
    if not decision.allowed:
        response = _refusal(decision)
    _limit_headers(response, "poll", decision)
    return response


@web.middleware
async def idempotency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """POST + Idempotency-Key: run once, replay the stored response afterwards."""
    raw_key = request.headers.get(IDEMPOTENCY_HEADER)
    if request.method != "POST" or raw_key is None or CALLER not in request:
        return await handler(request)
    key = idempotency.check_key(raw_key)
    body = await request.read()
    fingerprint = idempotency.request_hash(request.method, request.path, body)
    claim = await idempotency.begin(request[CALLER].project.id, key, fingerprint)
    if isinstance(claim, idempotency.Stored):
        replay = web.json_response(claim.body, status=claim.status)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = await handler(request)
    except Exception:  # (a cancelled request leaves a running record; it goes stale in 60 s)
        await idempotency.release(claim)
        raise
    if isinstance(response, web.Response) and 200 <= response.status < 300 and response.body:
        stored: Any = json.loads(response.body)  # type: ignore[arg-type]
        await idempotency.finish(claim, response.status, stored)
    else:
        await idempotency.release(claim)
    return response
