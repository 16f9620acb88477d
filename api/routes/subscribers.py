"""/v1/subscribers and /v1/subscribe-link."""

from __future__ import annotations

from aiohttp import web

from api import notify_schemas as schemas
from api.context import V1, Operation, caller_of, links_of
from api.parsing import json, parse_body, parse_query
from models.enums import Channel
from services import subscriber_api


async def list_subscribers(request: web.Request) -> web.Response:
    query = parse_query(request, schemas.SubscriberQuery)
    page = await subscriber_api.list_subscribers(
        caller_of(request).project,
        channel=Channel(query.channel) if query.channel else None,
        tag=query.tag,
        status=query.status,
        limit=query.limit,
        cursor=query.cursor,
    )
    return json(page)


async def get_subscriber(request: web.Request) -> web.Response:
    project = caller_of(request).project
    return json(await subscriber_api.get_subscriber(project, request.match_info["id"]))


async def set_tags(request: web.Request) -> web.Response:
    project = caller_of(request).project
    body = await parse_body(request, schemas.SetTags)
    return json(await subscriber_api.set_tags(project, request.match_info["id"], body.tags))


async def delete_subscriber(request: web.Request) -> web.Response:
    await subscriber_api.unsubscribe(caller_of(request).project, request.match_info["id"])
    return web.Response(status=204)


async def subscribe_link(request: web.Request) -> web.Response:
    tags = request.query.getall("tag", [])
    link = await subscriber_api.subscribe_link(caller_of(request).project, links_of(request), tags)
    return json(link)


OPERATIONS = [
    Operation(
        "GET", "/subscribers", list_subscribers, "list_subscribers",
        "Subscribers, newest first", "subscribers", schemas.SubscriberList,
        query=schemas.SubscriberQuery, errors=(400,), base=V1,
        description="Cursor pagination: pass `next_cursor` as `cursor` until it is null.",
    ),
    Operation(
        "GET", "/subscribers/{id}", get_subscriber, "get_subscriber", "One subscriber",
        "subscribers", schemas.SubscriberOut, errors=(404,), base=V1,
    ),
    Operation(
        "PUT", "/subscribers/{id}/tags", set_tags, "set_subscriber_tags",
        "Replace a subscriber's tags", "subscribers", schemas.SubscriberOut,
        body=schemas.SetTags, errors=(400, 404), base=V1,
        description="At most 20 tags, each `[a-z0-9_-]{1,32}`.",
    ),
    Operation(
        "DELETE", "/subscribers/{id}", delete_subscriber, "delete_subscriber",
        "Unsubscribe (the customer is told in the messenger)", "subscribers",
        schemas.NoContent, status=204, errors=(404,), base=V1,
        description="Status becomes `unsubscribed`; webhook `subscription.cancelled` with "
        "`reason: api`. Repeating it changes nothing (204).",
    ),
    Operation(
        "GET", "/subscribe-link", subscribe_link, "subscribe_link",
        "A permanent deep link that subscribes with tags", "subscribers",
        schemas.SubscribeLinkOut, errors=(400,), base=V1,
        description="Repeat `tag` for several (`?tag=a&tag=b`). The payload `sub_<link_id>` "
        "shows the project's consent screen; consent subscribes with those tags (an existing "
        "subscriber gets them added). The same tag set returns the same link.",
    ),
]
