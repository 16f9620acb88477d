"""/v1/messages: one message (text and buttons) to one subscriber."""

from __future__ import annotations

from aiohttp import web

from api import notify_schemas as schemas
from api.context import V1, Operation, caller_of
from api.parsing import json, parse_body
from services import messages


async def send_message(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.SendMessage)
    queued = await messages.send_message(
        caller_of(request).project,
        body.subscriber_id,
        body.text,
        [[b.model_dump(exclude_none=True) for b in row] for row in body.buttons],
    )
    return json(queued, status=202)


async def get_message(request: web.Request) -> web.Response:
    project = caller_of(request).project
    return json(await messages.get_message(project, request.match_info["id"]))


OPERATIONS = [
    Operation(
        "POST", "/messages", send_message, "send_message", "Send a subscriber a message",
        "messages", schemas.MessageQueued, status=202, body=schemas.SendMessage,
        errors=(400, 404, 409), base=V1,
        description="At most 3 rows × 3 buttons, each `{text, url}` or `{text, callback}` "
        "(1–64 characters, returned in `button.clicked`). 404 for an unknown subscriber; 409 "
        "`unsubscribed` when they unsubscribed or blocked the bot. Webhooks `delivery.sent` / "
        "`delivery.failed` report the outcome.",
    ),
    Operation(
        "GET", "/messages/{id}", get_message, "get_message", "A message's delivery status",
        "messages", schemas.NotificationOut, errors=(404,), base=V1,
        description="`queued`, `sent`, `failed` (with `error`) or `blocked` (the messenger "
        "refuses this chat).",
    ),
]
