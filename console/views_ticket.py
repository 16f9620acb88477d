"""/console/tickets/{id}: the thread, the customer, the reply box and the ticket's controls.
Every change goes through the use cases REST calls (services.tickets), so the customer, the
agent chat and the webhooks hear of it the same way."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from aiohttp import web

from console.context import identity_of, render, resources_of
from console.middleware import error_page
from delivery.attachment_stream import open_attachment
from delivery.files import Unavailable, file_name
from models.enums import MessageSource, Priority
from services import canned_replies, catalog, console_auth, ticket_queries, tickets
from services.errors import HelpdeskError
from services.serializers import ticket_details

log = logging.getLogger(__name__)


def _ticket_url(ticket_id: str) -> str:
    return f"/console/tickets/{ticket_id}"


async def _page(request: web.Request, *, error: HelpdeskError | None = None) -> web.Response:
    project = identity_of(request).project
    ticket_id = request.match_info["id"]
    ticket, messages = await ticket_queries.get_ticket(project, ticket_id)
    context: dict[str, Any] = {
        "ticket": ticket_details(ticket, messages),
        "sla_times": await ticket_queries.sla_due_times(ticket),
        "others": await ticket_queries.customer_other_tickets(ticket),
        "agents": await catalog.list_agents(project.id),
        "types": await catalog.active_ticket_types(project.id),
        "canned": await canned_replies.list_replies(project),
        "statuses": [str(s) for s in tickets.SETTABLE_STATUSES],
        "priorities": [str(p) for p in Priority],
        "error": error,
        "stamp": await ticket_queries.ticket_stamp(project, ticket.id),
        "poll_url": f"{_ticket_url(str(ticket.id))}/stamp.json",
    }
    return render(request, "ticket.html", context, status=error.http_status if error else 200)


async def ticket_page(request: web.Request) -> web.Response:
    return await _page(request)


async def ticket_stamp(request: web.Request) -> web.Response:
    project = identity_of(request).project
    stamp = await ticket_queries.ticket_stamp(project, request.match_info["id"])
    return web.json_response({"stamp": stamp})


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _change(request: web.Request, action: Any) -> web.StreamResponse:
    """Run one use case for a form post, then back to the ticket (post/redirect/get); a
    refused change shows the ticket again with the reason."""
    identity = identity_of(request)
    console_auth.require_writer(identity)
    try:
        await action(identity, request.match_info["id"], await _form(request))
    except HelpdeskError as error:
        if error.http_status not in (400, 409):
            raise
        return await _page(request, error=error)
    raise web.HTTPSeeOther(_ticket_url(request.match_info["id"]))


async def reply(request: web.Request) -> web.StreamResponse:
    async def action(identity: Any, ticket_id: str, form: dict[str, str]) -> None:
        await tickets.agent_reply(
            identity.project,
            ticket_id,
            form.get("text"),
            internal=form.get("action") == "note",
            agent_id=identity.agent.id,
            source=MessageSource.CONSOLE,
            canned_reply_id=form.get("canned_reply_id") or None,
        )

    return await _change(request, action)


async def set_status(request: web.Request) -> web.StreamResponse:
    async def action(identity: Any, ticket_id: str, form: dict[str, str]) -> None:
        await tickets.change_status(identity.project, ticket_id, form.get("status", ""))

    return await _change(request, action)


async def set_priority(request: web.Request) -> web.StreamResponse:
    async def action(identity: Any, ticket_id: str, form: dict[str, str]) -> None:
        await tickets.set_priority(identity.project, ticket_id, form.get("priority", ""))

    return await _change(request, action)


async def assign(request: web.Request) -> web.StreamResponse:
    async def action(identity: Any, ticket_id: str, form: dict[str, str]) -> None:
        agent_id = form.get("agent_id") or ""
        await tickets.assign(
            identity.project, ticket_id, identity.agent.id if agent_id == "me" else agent_id
        )

    return await _change(request, action)


async def set_type(request: web.Request) -> web.StreamResponse:
    async def action(identity: Any, ticket_id: str, form: dict[str, str]) -> None:
        await tickets.set_type(identity.project, ticket_id, form.get("ticket_type_id") or None)

    return await _change(request, action)


_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(head: bytes) -> str | None:
    """The image type the bytes start with (what a browser may show inline), else None:
    the messenger's Content-Type is not trusted, and anything else is a download."""
    for signature, kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


async def attachment(request: web.Request) -> web.StreamResponse:
    """The file streamed from its messenger through us: the bot token never leaves."""
    project = identity_of(request).project
    index = request.match_info["index"]
    item = await ticket_queries.stored_attachment(
        project, request.match_info["id"], request.match_info["message"], int(index)
    )
    settings = resources_of(request).settings
    try:
        async with open_attachment(settings, item) as source:
            head = await source.content.read(64 * 1024)
            kind = image_type(head)
            response = web.StreamResponse()
            response.content_type = kind or "application/octet-stream"
            if source.content_length is not None:
                response.content_length = source.content_length
            disposition = "inline" if kind else "attachment"
            name = quote(file_name(item))
            response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{name}"
            response.headers["Cache-Control"] = "private, max-age=3600"
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
            await response.prepare(request)
            await response.write(head)
            async for chunk in source.content.iter_chunked(64 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response
    except Unavailable as error:
        log.info("attachment of ticket %s not available: %s", request.match_info["id"], error)
        return error_page(request, 404)
