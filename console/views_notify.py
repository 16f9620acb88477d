"""/console/subscribers and /console/broadcasts: who the project can notify and what it
sent them. Reading is open to every role; cancelling a broadcast is for owners and admins."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from console.context import identity_of, render
from models.enums import BroadcastState, Channel, SubscriberStatus
from services import broadcasts, subscriber_api
from services.console_auth import require_admin
from services.validation import one_of

PAGE_SIZE = 50
SUBSCRIBER_FILTERS = ("channel", "tag", "status")
CANCELLABLE = (str(BroadcastState.SCHEDULED), str(BroadcastState.SENDING))


def _subscribers_link(chosen: dict[str, str], **changes: str) -> str:
    params = {k: v for k, v in {**chosen, **changes}.items() if v}
    return "/console/subscribers" + (f"?{urlencode(params)}" if params else "")


async def subscribers(request: web.Request) -> web.Response:
    chosen = {name: request.query.get(name, "").strip() for name in SUBSCRIBER_FILTERS}
    cursor = request.query.get("cursor", "")
    page = await subscriber_api.list_subscribers(
        identity_of(request).project,
        channel=one_of("channel", chosen["channel"], tuple(Channel)) if chosen["channel"] else None,
        tag=chosen["tag"] or None,
        status=one_of("status", chosen["status"], tuple(SubscriberStatus))
        if chosen["status"]
        else None,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    next_cursor = page["next_cursor"]
    context = {
        "subscribers": page["subscribers"],
        "chosen": chosen,
        "channels": [str(c) for c in Channel],
        "statuses": [str(s) for s in SubscriberStatus],
        "next_link": _subscribers_link(chosen, cursor=next_cursor) if next_cursor else None,
        "first_link": _subscribers_link(chosen) if cursor else None,
    }
    return render(request, "subscribers.html", context)


async def broadcast_list(request: web.Request) -> web.Response:
    rows = await broadcasts.list_broadcasts(identity_of(request).project, limit=PAGE_SIZE)
    return render(request, "broadcasts.html", {"broadcasts": rows})


async def broadcast_page(request: web.Request) -> web.Response:
    identity = identity_of(request)
    view = await broadcasts.get_broadcast(identity.project, request.match_info["id"])
    can_cancel = identity.is_admin and view["state"] in CANCELLABLE
    return render(request, "broadcast.html", {"broadcast": view, "can_cancel": can_cancel})


async def cancel(request: web.Request) -> web.Response:
    identity = identity_of(request)
    require_admin(identity)
    view = await broadcasts.cancel_broadcast(identity.project, request.match_info["id"])
    raise web.HTTPSeeOther(f"/console/broadcasts/{view['id']}")
