"""/v1/helpdesk/request: deep links for visitors who are not subscribed yet."""

from __future__ import annotations

from aiohttp import web

from api import schemas
from api.context import Operation, caller_of, links_of
from api.parsing import json, parse_body
from models.enums import Channel
from services import requests
from services.ratelimit import POLL_LIMIT, POLL_WINDOW


async def create_request(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.CreateRequest, optional=True)
    created = await requests.create_request(
        caller_of(request).project,
        links_of(request),
        channel=Channel(body.channel) if body.channel else None,
        ticket_type_id=body.ticket_type_id,
    )
    return json(created, status=201)


async def request_status(request: web.Request) -> web.Response:
    project = caller_of(request).project
    status = await requests.request_status(project, request.match_info["request_id"])
    return json(status)


OPERATIONS = [
    Operation(
        "POST", "/request", create_request, "create_request",
        "Deep links that subscribe a visitor and open the helpdesk", "requests",
        schemas.RequestCreated, status=201, body=schemas.CreateRequest, errors=(400,),
        description="Needs `helpdesk_enabled` and `helpdesk_allow_create` (403 otherwise). "
        "A channel with no bot configured on the server gets a `null` link, and then `hint` "
        "says which bot is missing (it is absent when every link asked for is there).",
    ),
    Operation(
        "GET", "/request/{request_id}/status", request_status, "request_status",
        "Poll a request (every 1-2 s)", "requests", schemas.RequestStatusOut, errors=(404,),
        limit="poll",
        description="Not counted against the project's rate limit; instead limited to "
        f"{POLL_LIMIT} polls per {POLL_WINDOW} s per project and request id (beyond: 429 "
        "`rate_limited` with `Retry-After`). A 404 (an unknown id, or another project's) "
        "counts nothing. `expired` 15 minutes after creation.",
    ),
]
