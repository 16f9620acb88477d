"""POST /request and its status: links, and the lifecycle driven by the bots' use cases."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from helpdesk.app import RESOURCES
from models.enums import Channel
from services import catalog
from services.requests import BotLinks, accept_request, cancel_request
from tests.api.conftest import MAX_BOT, TELEGRAM_BOT, Api

REQUEST_ID = re.compile(r"^[A-Za-z0-9]{16}$")


async def test_create_returns_both_links(api: Api) -> None:
    reply = await api.post("/request")  # no body at all: every field is optional

    assert reply.status == 201
    request_id = reply.body["request_id"]
    assert REQUEST_ID.match(request_id)
    assert reply.body == {
        "request_id": request_id,
        "telegram_link": f"https://t.me/{TELEGRAM_BOT}?start=hdreq_{request_id}",
        "max_link": f"https://max.ru/{MAX_BOT}?start=hdreq_{request_id}",
        "expires_in": 900,
    }


async def test_ids_are_unique(api: Api) -> None:
    ids = {(await api.post("/request", {})).body["request_id"] for _ in range(20)}
    assert len(ids) == 20


async def test_channel_selects_one_link(api: Api) -> None:
    telegram = (await api.post("/request", {"channel": "telegram"})).body
    assert telegram["telegram_link"] and telegram["max_link"] is None
    max_only = (await api.post("/request", {"channel": "max"})).body
    assert max_only["max_link"] and max_only["telegram_link"] is None


async def test_unconfigured_bot_gets_null_and_links_are_read_per_request(
    api: Api, app: web.Application
) -> None:
    resources = app[RESOURCES]
    resources.links = BotLinks(telegram=None, max=MAX_BOT)
    body = (await api.post("/request", {})).body
    assert body["telegram_link"] is None and body["max_link"]

    resources.links = BotLinks(telegram="learned_from_getme_bot", max=None)  # after getMe
    body = (await api.post("/request", {})).body
    assert body["telegram_link"].startswith("https://t.me/learned_from_getme_bot?start=hdreq_")
    assert body["max_link"] is None


async def test_preselected_type_is_accepted(api: Api) -> None:
    ticket_type = await catalog.create_ticket_type(api.project, name="Bug")
    reply = await api.post("/request", {"ticket_type_id": str(ticket_type.id)})
    assert reply.status == 201


async def test_pending_then_expired_after_fifteen_minutes(api: Api, frozen_clock: Any) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    path = f"/request/{request_id}/status"

    pending = await api.get(path)
    assert pending.status == 200
    assert pending.body == {"status": "pending", "subscriber_id": None, "channel": None}
    frozen_clock.advance(minutes=14, seconds=59)
    assert (await api.get(path)).body["status"] == "pending"
    frozen_clock.advance(seconds=1)
    assert (await api.get(path)).body == {
        "status": "expired", "subscriber_id": None, "channel": None
    }


async def test_cancelled_by_the_bot(api: Api) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    await cancel_request(request_id)
    assert (await api.get(f"/request/{request_id}/status")).body == {
        "status": "cancelled", "subscriber_id": None, "channel": None
    }


async def test_accepted_by_the_bot(api: Api, frozen_clock: Any) -> None:
    request_id = (await api.post("/request", {"channel": "max"})).body["request_id"]
    _, subscriber = await accept_request(request_id, Channel.MAX, 31337, first_name="Vis")
    frozen_clock.advance(minutes=30)  # accepted stays accepted past the TTL
    assert (await api.get(f"/request/{request_id}/status")).body == {
        "status": "accepted", "subscriber_id": str(subscriber.id), "channel": "max"
    }


async def test_malformed_request_id_is_not_found(api: Api) -> None:
    reply = await api.get("/request/short/status")
    assert (reply.status, reply.body["code"]) == (404, "not_found")
