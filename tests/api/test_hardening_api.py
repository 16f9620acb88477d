"""Issue #20 hardening of the REST API: the poll limit per project, the missing-bot hint,
the database outage answered 503."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from helpdesk.app import RESOURCES
from services.requests import BotLinks
from tests.api.conftest import MAX_BOT, TELEGRAM_BOT, Api

# --- item 4: the request-status poll limit -------------------------------------------------


async def test_another_projects_polls_do_not_use_up_the_owners_quota(
    api: Api, other: Api, frozen_clock: Any
) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    path = f"/request/{request_id}/status"

    foreign = [await other.get(path) for _ in range(20)]

    assert {r.status for r in foreign} == {404}
    assert all("RateLimit" not in r.headers for r in foreign)  # a 404 counts nothing
    own = await api.get(path)
    assert own.status == 200, own.body
    assert own.headers["RateLimit"] == '"poll";r=4;t=1'


async def test_the_owner_is_still_limited_per_request_id(api: Api, frozen_clock: Any) -> None:
    request_id = (await api.post("/request", {})).body["request_id"]
    path = f"/request/{request_id}/status"
    assert [(await api.get(path)).status for _ in range(6)] == [200] * 5 + [429]


async def test_the_poll_limit_is_documented(api: Api) -> None:
    document = (await api.get("/v1/openapi.json")).body
    poll = document["paths"]["/v1/helpdesk/request/{request_id}/status"]["get"]
    assert "5 polls per 1 s per project and request id" in poll["description"]


# --- item 14: a hint when a link is null because no bot is configured -----------------------


async def test_no_hint_when_every_link_is_there(api: Api) -> None:
    assert "hint" not in (await api.post("/request", {})).body
    assert "hint" not in (await api.post("/request", {"channel": "max"})).body


async def test_hint_names_the_missing_bot(api: Api, app: web.Application) -> None:
    app[RESOURCES].links = BotLinks(telegram=None, max=MAX_BOT)

    both = (await api.post("/request", {})).body
    assert both["telegram_link"] is None and both["max_link"]
    assert both["hint"] == (
        "no Telegram bot is configured on this server (TELEGRAM_BOT_TOKEN / TELEGRAM_BOT_USERNAME)"
    )
    # asked for MAX only: the missing Telegram bot is no reason for a hint
    assert "hint" not in (await api.post("/request", {"channel": "max"})).body


async def test_hint_when_no_bot_at_all(api: Api, app: web.Application) -> None:
    app[RESOURCES].links = BotLinks(telegram=None, max=None)
    body = (await api.post("/request", {"channel": "max"})).body
    assert body["max_link"] is None
    assert body["hint"] == "no MAX bot is configured on this server (MAX_BOT_TOKEN / MAX_BOT_USERNAME)"
    body = (await api.post("/request", {})).body
    assert "\n" not in body["hint"] and "Telegram" in body["hint"] and "MAX" in body["hint"]
    app[RESOURCES].links = BotLinks(telegram=TELEGRAM_BOT, max=None)
    assert "hint" not in (await api.post("/request", {"channel": "telegram"})).body
