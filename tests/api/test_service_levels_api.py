"""/settings/service-levels and the tickets' `sla`: validation, fields, filters, sort, tenancy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services import clock
from tests.api.conftest import Api

# Monday 2026-12-07 10:00 in Berlin
MONDAY_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
SETTINGS: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "business_hours": {**NINE_TO_FIVE, "sat": [], "sun": []},
    "holidays": ["2027-01-01"],
    "targets": {"first_response_minutes": 60, "next_response_minutes": 240,
                "resolution_minutes": 2880, "business_hours_only": True,
                "by_priority": {"urgent": {"first_response_minutes": 15}}},
    "warn_before_minutes": 15,
    "out_of_hours_reply": {"enabled": True, "text": None},
    "auto_close": {"enabled": True, "after_hours": 72, "reopen_window_days": 7, "text": None},
}
PATH = "/settings/service-levels"


async def put(api: Api, body: Any) -> Any:
    return await api.call("PUT", PATH, body)


@pytest.fixture
def monday(frozen_clock: clock.FrozenClock) -> clock.FrozenClock:
    frozen_clock.at = MONDAY_10
    return frozen_clock


async def test_defaults_then_put_round_trips(api: Api) -> None:
    default = await api.get(PATH)
    assert default.status == 200
    assert default.body["targets"]["first_response_minutes"] is None
    assert default.body["business_hours"] is None
    assert default.body["auto_close"]["enabled"] is False
    assert default.body["out_of_hours_reply"]["enabled"] is False

    stored = await put(api, SETTINGS)
    assert stored.status == 200, stored.body
    assert stored.body["business_hours"]["mon"] == [["09:00", "17:00"]]
    assert stored.body["targets"]["by_priority"] == {"urgent": {"first_response_minutes": 15}}
    assert (await api.get(PATH)).body == stored.body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"business_hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}},
         "business_hours.mon"),
        ({"business_hours": {"mon": [["09:00", "25:00"]]}}, "business_hours.mon[0]"),
        ({"business_hours": {"mon": [["24:00", "24:00"]]}}, "business_hours.mon[0]"),
        ({"business_hours": {"mon": [["18:00", "09:00"]]}}, "business_hours.mon[0]"),
        ({"business_hours": {"someday": []}}, "business_hours.someday"),
        ({"targets": {"first_response_minutes": -5}}, "targets.first_response_minutes"),
        ({"targets": {"by_priority": {"huge": {}}}}, "targets.by_priority.huge"),
        ({"targets": {"by_priority": {"low": {"resolution_minutes": -1}}}},
         "targets.by_priority.low.resolution_minutes"),
        ({"holidays": ["2027-13-01"]}, "holidays[0]"),
        ({"auto_close": {"after_hours": 0}}, "auto_close.after_hours"),
        ({"warn_before_minutes": "15"}, "warn_before_minutes"),
    ],
)
async def test_bad_settings_are_400_naming_the_field(api: Api, change: dict, field: str) -> None:
    reply = await put(api, {**SETTINGS, **change})
    assert reply.status == 400
    assert reply.body["code"] == "validation_failed"
    assert field in [detail["field"] for detail in reply.body["details"]]
    assert (await api.get(PATH)).body["business_hours"] is None  # nothing stored


async def test_malformed_json_is_400(api: Api) -> None:
    reply = await api.call("PUT", PATH, data=b"{nope")
    assert reply.status == 400 and reply.body["code"] == "validation_failed"


async def test_settings_are_per_project(api: Api, other: Api) -> None:
    await put(api, SETTINGS)
    assert (await other.get(PATH)).body["targets"]["first_response_minutes"] is None


async def test_ticket_sla_fields_follow_business_hours(api: Api, monday: clock.FrozenClock) -> None:
    assert (await api.ticket())["sla"] is None  # no targets yet
    await put(api, SETTINGS)
    monday.at = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # Friday 16:30 Berlin
    ticket = await api.ticket()
    assert ticket["sla"] == {
        "first_response_due_at": "2026-12-07T08:30:00.000Z",  # Monday 09:30 Berlin
        "next_response_due_at": None,
        "resolution_due_at": "2026-12-14T15:30:00.000Z",  # 48 business hours: Mon 16:30
        "status": "ok",
    }
    monday.at = datetime(2026, 12, 7, 8, 20, tzinfo=UTC)  # 10 min before first response due
    listed = (await api.get("/tickets")).body["tickets"]
    # the ticket from before the targets got its due times when they were set (due Monday
    # 11:00 Berlin, counted from its creation at 10:00)
    assert [t["sla"] and t["sla"]["status"] for t in listed] == ["warning", "ok"]
    assert listed[1]["sla"]["first_response_due_at"] == "2026-12-07T10:00:00.000Z"
    details = (await api.get(f"/tickets/{ticket['id']}")).body
    assert details["sla"]["status"] == "warning"

    await api.post(f"/tickets/{ticket['id']}/reply", {"text": "On it"})  # met, then waiting
    after = (await api.get(f"/tickets/{ticket['id']}")).body
    assert after["status"] == "waiting"
    assert after["sla"]["first_response_due_at"] is None
    assert after["sla"]["resolution_due_at"] is None  # paused while waiting on the customer

    monday.advance(hours=1)
    await api.post(f"/tickets/{ticket['id']}/customer-reply", {"text": "Any news?"})
    resumed = (await api.get(f"/tickets/{ticket['id']}")).body["sla"]
    # resolution resumes with what was left (an hour later: past Monday's close, so Tuesday
    # 09:30); next response runs 240 business minutes
    assert resumed["resolution_due_at"] == "2026-12-15T08:30:00.000Z"
    assert resumed["next_response_due_at"] == "2026-12-07T13:20:00.000Z"


async def test_filters_and_sort_by_due(api: Api, monday: clock.FrozenClock) -> None:
    await put(api, SETTINGS)
    early = await api.ticket(subject="early")
    monday.advance(minutes=30)
    late = await api.ticket(subject="late")
    await put(api, {**SETTINGS, "targets": {"first_response_minutes": None}})
    none = await api.ticket(subject="none")
    await api.patch(f"/tickets/{none['id']}/priority", {"priority": "low"})
    # targets again, low priority without a first-response one: "none" gets only its
    # resolution due time (days away), early and late theirs counted from their creation
    no_first_for_low = {"low": {"first_response_minutes": None}}
    await put(
        api, {**SETTINGS, "targets": {**SETTINGS["targets"], "by_priority": no_first_for_low}}
    )

    by_due = (await api.get("/tickets", params={"sort": "due"})).body["tickets"]
    assert [t["subject"] for t in by_due] == ["early", "late", "none"]
    newest = (await api.get("/tickets")).body["tickets"]
    assert [t["subject"] for t in newest] == ["none", "late", "early"]

    monday.advance(minutes=20)  # early due at 11:00 Berlin = 10:50 + 10 min: warning
    warning = (await api.get("/tickets", params={"sla": "warning"})).body
    assert [t["id"] for t in warning["tickets"]] == [early["id"]] and warning["total"] == 1
    assert (await api.get("/tickets", params={"sla": "breached"})).body["tickets"] == []

    monday.advance(minutes=25)
    breached = (await api.get("/tickets", params={"sla": "breached"})).body["tickets"]
    assert [t["id"] for t in breached] == [early["id"]]
    warned = (await api.get("/tickets", params={"sla": "warning"})).body["tickets"]
    assert [t["id"] for t in warned] == [late["id"]]
    assert none["sla"] is None
    bad = await api.get("/tickets", params={"sla": "late"})
    assert bad.status == 400


async def test_other_projects_tickets_do_not_show_in_sla_filters(
    api: Api, other: Api, monday: clock.FrozenClock
) -> None:
    await put(other, SETTINGS)
    await other.ticket()
    monday.advance(days=1)
    assert (await other.get("/tickets", params={"sla": "breached"})).body["total"] == 1
    assert (await api.get("/tickets", params={"sla": "breached"})).body["total"] == 0


async def test_service_levels_are_in_the_openapi_document(api: Api) -> None:
    document = (await api.get("/v1/openapi.json")).body
    operations = document["paths"]["/v1/helpdesk/settings/service-levels"]
    assert set(operations) >= {"get", "put"}


async def test_priority_change_moves_running_clocks(api: Api, monday: clock.FrozenClock) -> None:
    await put(api, SETTINGS)
    ticket = await api.ticket()
    assert ticket["sla"]["first_response_due_at"] == "2026-12-07T10:00:00.000Z"
    monday.advance(minutes=5)
    urgent = await api.patch(f"/tickets/{ticket['id']}/priority", {"priority": "urgent"})
    # 15 instead of 60 minutes, counted from creation: due 10:15 Berlin
    assert urgent.body["sla"]["first_response_due_at"] == "2026-12-07T09:15:00.000Z"
    assert urgent.body["sla"]["resolution_due_at"] == ticket["sla"]["resolution_due_at"]
    back = await api.patch(f"/tickets/{ticket['id']}/priority", {"priority": "low"})
    assert back.body["sla"]["first_response_due_at"] == "2026-12-07T10:00:00.000Z"
