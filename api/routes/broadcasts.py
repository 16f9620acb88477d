"""/v1/broadcasts: one text to an audience chosen by tags, at a chosen pace."""

from __future__ import annotations

from aiohttp import web

from api import notify_schemas as schemas
from api.context import V1, Operation, caller_of
from api.parsing import json, parse_body
from models.enums import Channel
from services import broadcasts


async def create_broadcast(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.CreateBroadcast)
    created = await broadcasts.create_broadcast(
        caller_of(request).project,
        text=body.text,
        buttons=[[b.model_dump(exclude_none=True) for b in row] for row in body.buttons],
        tags_all=body.tags_all,
        tags_any=body.tags_any,
        exclude_tags=body.exclude_tags,
        channel=Channel(body.channel) if body.channel else None,
        messages_per_minute=body.messages_per_minute,
        send_at=body.send_at,
        dry_run=body.dry_run,
    )
    return json(created, status=200 if body.dry_run else 202)


async def get_broadcast(request: web.Request) -> web.Response:
    project = caller_of(request).project
    return json(await broadcasts.get_broadcast(project, request.match_info["id"]))


async def cancel_broadcast(request: web.Request) -> web.Response:
    project = caller_of(request).project
    return json(await broadcasts.cancel_broadcast(project, request.match_info["id"]))


OPERATIONS = [
    Operation(
        "POST", "/broadcasts", create_broadcast, "create_broadcast", "Start a broadcast",
        "broadcasts", schemas.BroadcastCreated, status=202, body=schemas.CreateBroadcast,
        errors=(400,), base=V1,
        description="Audience: active subscribers with every tag of `tags_all`, at least one "
        "of `tags_any`, none of `exclude_tags`, of `channel` if given — fixed when created. "
        "`messages_per_minute` (default: the platform's ceiling) paces it; customer replies "
        "of the helpdesk always go first. `send_at` schedules it. `dry_run: true` answers "
        "200 `{audience}` and stores nothing. Webhook `broadcast.completed` when done.",
    ),
    Operation(
        "GET", "/broadcasts/{id}", get_broadcast, "get_broadcast", "A broadcast's progress",
        "broadcasts", schemas.BroadcastOut, errors=(404,), base=V1,
    ),
    Operation(
        "POST", "/broadcasts/{id}/cancel", cancel_broadcast, "cancel_broadcast",
        "Cancel a broadcast", "broadcasts", schemas.BroadcastOut, errors=(400, 404, 409), base=V1,
        description="Recipients not yet handed to the messenger queue are skipped; those "
        "already queued (a couple of seconds' worth) still go out. 409 `conflict` when done.",
    ),
]
