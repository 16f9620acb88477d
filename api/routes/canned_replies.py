"""/v1/helpdesk/canned-replies: thin views over services.canned_replies."""

from __future__ import annotations

from aiohttp import web

from api import schemas_canned as schemas
from api.context import Operation, caller_of
from api.parsing import json, parse_body
from services import canned_replies
from services.canned_replies import CannedReplyInput, reply_view


async def list_canned_replies(request: web.Request) -> web.Response:
    replies = await canned_replies.list_replies(caller_of(request).project)
    return json({"canned_replies": [reply_view(r) for r in replies]})


async def create_canned_reply(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.CannedReplyIn)
    reply = await canned_replies.create_reply(
        caller_of(request).project, CannedReplyInput(**body.model_dump())
    )
    return json(reply_view(reply), status=201)


async def update_canned_reply(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.CannedReplyPatch)
    reply = await canned_replies.update_reply(
        caller_of(request).project, request.match_info["id"], CannedReplyInput(**body.model_dump())
    )
    return json(reply_view(reply))


async def delete_canned_reply(request: web.Request) -> web.Response:
    await canned_replies.delete_reply(caller_of(request).project, request.match_info["id"])
    return web.Response(status=204)


_PATH = "/canned-replies"
_ONE = _PATH + "/{id}"
_TAG = "canned replies"
OPERATIONS = [
    Operation(
        "GET", _PATH, list_canned_replies, "list_canned_replies",
        "The project's canned replies, ordered by code", _TAG, schemas.CannedReplyList,
    ),
    Operation(
        "POST", _PATH, create_canned_reply, "create_canned_reply", "Save a canned reply", _TAG,
        schemas.CannedReplyOut, status=201, body=schemas.CannedReplyIn, errors=(400, 409),
        description="409 `conflict`: the code is already used in this project; 400: an "
        "unknown `{variable}`.",
    ),
    Operation(
        "PATCH", _ONE, update_canned_reply, "update_canned_reply", "Change a canned reply",
        _TAG, schemas.CannedReplyOut, body=schemas.CannedReplyPatch, errors=(400, 404, 409),
    ),
    Operation(
        "DELETE", _ONE, delete_canned_reply, "delete_canned_reply", "Delete a canned reply",
        _TAG, schemas.NoContent, status=204, errors=(404,),
    ),
]
