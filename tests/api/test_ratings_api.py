"""Ratings over REST: the settings (validated), ticket details' `rating`, the satisfaction
report (figures computed here independently), tenancy, OpenAPI."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models import RatingSurvey
from models.enums import Channel
from services import catalog, clock, ratings
from services.customer_views import Customer
from tests.api.conftest import Api

DEFAULTS = {"enabled": False, "ask_when_customer_closes": False, "question": None}
SETTINGS = "/settings/ratings"
REPORT = "/reports/satisfaction"


async def test_settings_default_put_and_read_back(api: Api, other: Api) -> None:
    assert (await api.get(SETTINGS)).body == DEFAULTS
    body = {"enabled": True, "ask_when_customer_closes": True, "question": " How did we do? "}
    reply = await api.call("PUT", SETTINGS, body)
    assert reply.status == 200
    assert reply.body == {**body, "question": "How did we do?"}
    assert (await api.get(SETTINGS)).body == reply.body
    # another project keeps its own (default) settings
    assert (await other.get(SETTINGS)).body == DEFAULTS
    # PUT replaces: omitted fields take their defaults
    assert (await api.call("PUT", SETTINGS, {"enabled": True})).body == {
        **DEFAULTS,
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"ask_when_customer_closes": None}, "ask_when_customer_closes"),
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 1001}, "question"),
        ({"question": 5}, "question"),
        ({"question": "a\u0000b"}, "question"),
    ],
)
async def test_settings_validation(api: Api, body: dict[str, Any], field: str) -> None:
    reply = await api.call("PUT", SETTINGS, body)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "validation_failed"
    assert any(field in d["field"] for d in reply.body["details"])
    assert (await api.get(SETTINGS)).body == DEFAULTS  # nothing was written


async def test_settings_malformed_json_and_no_key(api: Api) -> None:
    assert (await api.call("PUT", SETTINGS, data="{nope")).status == 400
    assert (await api.get(SETTINGS, key="hd_live_wrong")).status == 401


async def rated_ticket(
    api: Api, chat_id: int, score: int, *, agent: Any = None, comment: str | None = None
) -> str:
    """A Telegram ticket closed over REST and rated by its customer (the use case the bots
    call); returns the ticket id."""
    ticket = await api.ticket(channel="telegram", chat_id=chat_id, first_name="Ann")
    if agent is not None:
        assert (await api.patch(f"/tickets/{ticket['id']}/assign", {"user_id": str(agent.id)}))
    reply = await api.patch(f"/tickets/{ticket['id']}/status", {"status": "closed"})
    assert reply.status == 200
    survey = await RatingSurvey.get(ticket_id=ticket["id"])
    customer = Customer(Channel.TELEGRAM, chat_id)
    outcome = await ratings.rate(customer, ratings.Press(str(survey.id), score))
    assert outcome.answer == ratings.Answer.ASK_COMMENT
    if comment is not None:
        await ratings.comment(customer, survey.id, comment)
    return str(ticket["id"])


async def test_details_carry_the_rating_and_other_projects_see_nothing(
    api: Api, other: Api
) -> None:
    await api.call("PUT", SETTINGS, {"enabled": True})
    agent = await catalog.add_agent(api.project, name="Kate")
    ticket_id = await rated_ticket(api, 9001, 3, agent=agent, comment="ok")
    details = (await api.get(f"/tickets/{ticket_id}")).body
    assert details["rating"]["score"] == 3 and details["rating"]["comment"] == "ok"
    assert details["rating"]["agent_id"] == str(agent.id)
    assert details["rating"]["rated_at"].endswith("Z")
    unrated = await api.ticket()
    assert (await api.get(f"/tickets/{unrated['id']}")).body["rating"] is None
    assert (await other.get(f"/tickets/{ticket_id}")).status == 404
    report = (await other.get(REPORT)).body
    assert report["count"] == 0 and report["average"] is None and report["by_agent"] == []
    assert report["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}


async def test_report_figures(api: Api, other: Api, frozen_clock: clock.FrozenClock) -> None:
    frozen_clock.at = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    await api.call("PUT", SETTINGS, {"enabled": True})
    await other.call("PUT", SETTINGS, {"enabled": True})
    kate = await catalog.add_agent(api.project, name="Kate")
    bob = await catalog.add_agent(api.project, name="Bob")
    # (day offset, agent, score): day 0 = Nov 10
    given = [
        (0, kate, 5), (0, kate, 4), (1, bob, 2), (1, None, 3),
        (2, kate, 3), (2, bob, 1), (5, kate, 5),  # Nov 15: outside the range asked below
    ]
    for n, (day, agent, score) in enumerate(given):
        frozen_clock.at = datetime(2026, 11, 10, 12, 0, tzinfo=UTC) + timedelta(days=day)
        await rated_ticket(api, 9100 + n, score, agent=agent)
    await rated_ticket(other, 9500, 1)  # another project's rating never counts

    reply = await api.get(REPORT, params={"from": "2026-11-10", "to": "2026-11-12"})
    assert reply.status == 200, reply.body
    inside = [(agent, score) for day, agent, score in given if day <= 2]
    scores = [score for _, score in inside]
    assert reply.body["count"] == len(scores)
    assert reply.body["average"] == round(sum(scores) / len(scores), 2)
    assert reply.body["distribution"] == {str(s): scores.count(s) for s in range(1, 6)}
    per_agent: dict[Any, list[int]] = defaultdict(list)
    for agent, score in inside:
        per_agent[str(agent.id) if agent else None].append(score)
    got = {row["agent_id"]: row for row in reply.body["by_agent"]}
    assert set(got) == set(per_agent)
    for agent_id, agent_scores in per_agent.items():
        assert got[agent_id]["count"] == len(agent_scores)
        assert got[agent_id]["average"] == round(sum(agent_scores) / len(agent_scores), 2)
    assert got[str(kate.id)]["name"] == "Kate" and got[None]["name"] is None
    assert reply.body["by_agent"][0]["agent_id"] == str(kate.id)  # the most rated first

    one_day = await api.get(REPORT, params={"from": "2026-11-15", "to": "2026-11-15"})
    assert one_day.body["count"] == 1 and one_day.body["distribution"]["5"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01", "to": "2026-12-01"},
        {"from": "yesterday"},
        {"to": "2026-02-30"},
        {"from": "2026-11-12", "to": "2026-11-10"},
        {"from": "2024-01-01", "to": "2026-01-01"},
    ],
)
async def test_report_validates_dates(api: Api, params: dict[str, str]) -> None:
    reply = await api.get(REPORT, params=params)
    assert reply.status == 400 and reply.body["code"] == "validation_failed"
    assert reply.body["details"]


async def test_openapi_lists_the_ratings_endpoints(api: Api) -> None:
    spec = (await api.get("/v1/openapi.json")).body
    paths = spec["paths"]
    assert {"get", "put"} <= set(paths["/v1/helpdesk/settings/ratings"])
    report = paths["/v1/helpdesk/reports/satisfaction"]["get"]
    assert {p["name"] for p in report["parameters"] if p["in"] == "query"} == {"from", "to"}
    details = spec["components"]["schemas"]["TicketDetails"]["properties"]
    assert "rating" in details


async def test_report_days_are_the_projects_days(
    api: Api, frozen_clock: clock.FrozenClock
) -> None:
    """With service levels in Europe/Moscow a rating given at 22:30 UTC on Nov 30 counts on
    Dec 1 (Moscow's day), which is also the default `to` (Moscow's today)."""
    body = {"timezone": "Europe/Moscow"}
    assert (await api.call("PUT", "/settings/service-levels", body)).status == 200
    await api.call("PUT", SETTINGS, {"enabled": True})
    frozen_clock.at = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    await rated_ticket(api, 9700, 5)
    on_30th = (await api.get(REPORT, params={"from": "2026-11-30", "to": "2026-11-30"})).body
    assert on_30th["count"] == 0
    default = (await api.get(REPORT)).body
    assert (default["to"], default["count"], default["timezone"]) == (
        "2026-12-01", 1, "Europe/Moscow"
    )
