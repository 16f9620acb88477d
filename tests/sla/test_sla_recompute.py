"""Changing a project's service levels puts its open tickets under the new rules at once, in
the settings' transaction: due times counted again from when each clock started (waiting
periods left out), the timer warning on the new times, nothing left when SLA is turned off.
Driven over REST (PUT /settings/service-levels, the ticket summary's `sla`) with the clock
moved by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from helpdesk.app import create_app
from models import Ticket
from models.enums import TicketStatus
from services import clock, service_levels, sla_recompute, sla_timers
from services.audit import CLI
from tests.api.conftest import Api, api_settings

LEVELS = "/settings/service-levels"
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
OFF: dict[str, Any] = {"targets": {}}


@pytest.fixture(name="rest")
async def rest_fixture(aiohttp_client: Any, db: str, project_with_key: Any) -> Api:
    """The REST API with one project's key."""
    project, key = project_with_key
    return Api(await aiohttp_client(create_app(api_settings(db), role="api")), project, key)


def targets(**minutes: int | None) -> dict[str, Any]:
    return {
        "targets": {**minutes, "business_hours_only": False},
        "warn_before_minutes": 15,
    }


async def put(rest: Api, body: dict[str, Any]) -> None:
    reply = await rest.call("PUT", LEVELS, body)
    assert reply.status == 200, reply.body


async def sla_of(rest: Api, ticket: dict[str, Any]) -> dict[str, Any] | None:
    reply = await rest.get(f"/tickets/{ticket['id']}")
    assert reply.status == 200
    return reply.body["sla"]


async def test_targets_set_changed_and_turned_off_reach_open_tickets(
    rest: Api, frozen_clock: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sla_recompute, "BATCH", 2)  # three tickets: two batches
    frozen_clock.at = MONDAY_9
    first = await rest.ticket()
    others = [await rest.ticket(), await rest.ticket()]
    closed = await rest.ticket()
    assert (await rest.patch(f"/tickets/{closed['id']}/status", {"status": "closed"})).status == 200
    assert await sla_of(rest, first) is None  # no targets yet

    frozen_clock.at = MONDAY_9.replace(minute=10)
    await put(rest, targets(first_response_minutes=60, resolution_minutes=240))
    for ticket in (first, *others):  # counted from 09:00, when each ticket was created
        assert await sla_of(rest, ticket) == {
            "first_response_due_at": "2026-12-07T10:00:00.000Z",
            "next_response_due_at": None,
            "resolution_due_at": "2026-12-07T13:00:00.000Z",
            "status": "ok",
        }
    assert await sla_of(rest, closed) is None

    # a tighter target: due earlier, and the timer warns 15 minutes before the new time
    await put(rest, targets(first_response_minutes=30, resolution_minutes=240))
    assert (await sla_of(rest, first) or {})["first_response_due_at"] == "2026-12-07T09:30:00.000Z"
    frozen_clock.at = MONDAY_9.replace(minute=14)
    assert (await sla_timers.run_due()).total == 0
    frozen_clock.at = MONDAY_9.replace(minute=15)
    report = await sla_timers.run_due()
    assert sorted(report.warnings) == sorted(
        (ticket_id, "first_response") for ticket_id in await _ids(first, *others)
    )

    # a looser one moves the due time past the warning: the timer warns again, on time
    await put(rest, targets(first_response_minutes=120, resolution_minutes=240))
    first_sla = await sla_of(rest, first) or {}
    assert first_sla["first_response_due_at"] == "2026-12-07T11:00:00.000Z"
    assert first_sla["status"] == "ok"
    frozen_clock.at = MONDAY_9.replace(hour=10, minute=44)
    assert (await sla_timers.run_due()).total == 0
    frozen_clock.at = MONDAY_9.replace(hour=10, minute=45)
    assert len((await sla_timers.run_due()).warnings) == 3

    # SLA off: no due times, nothing for the timer, ever
    await put(rest, OFF)
    for ticket in (first, *others):
        assert await sla_of(rest, ticket) is None
    stored = await Ticket.get(id=first["id"])
    assert stored.sla_next_check_at is None and stored.sla_due_at is None
    frozen_clock.advance(days=3)
    assert (await sla_timers.run_due()).total == 0

    # and on again: the clocks still count from 09:00 (already overdue: breached)
    await put(rest, targets(first_response_minutes=60))
    assert (await sla_of(rest, first) or {})["status"] == "breached"
    assert len((await sla_timers.run_due()).breaches) == 3


async def _ids(*tickets: dict[str, Any]) -> list[Any]:
    return [(await Ticket.get(id=ticket["id"])).id for ticket in tickets]


async def test_waiting_periods_are_left_out_and_a_waiting_ticket_stays_paused(
    rest: Api, frozen_clock: clock.FrozenClock
) -> None:
    """SLA off while the ticket lives: created 09:00, answered 09:30 (waiting), the customer
    writes 10:30. Turned on at 11:00 with resolution 240 min and next response 60 min:
    resolution has run 1 h (09:00–09:30 and 10:30–11:00) → due 14:00; next response started
    at 10:30 → due 11:30; first response was met → none."""
    frozen_clock.at = MONDAY_9
    ticket = await rest.ticket()
    frozen_clock.at = MONDAY_9.replace(minute=30)
    assert (await rest.post(f"/tickets/{ticket['id']}/reply", {"text": "On it"})).status == 201
    frozen_clock.at = MONDAY_9.replace(hour=10, minute=30)
    reply = await rest.post(f"/tickets/{ticket['id']}/customer-reply", {"text": "Any news?"})
    assert reply.status == 201, reply.body
    waiting = await rest.ticket()  # 10:30, answered at 10:40: waits on the customer
    frozen_clock.at = MONDAY_9.replace(hour=10, minute=40)
    assert (await rest.post(f"/tickets/{waiting['id']}/reply", {"text": "Which order?"})).status
    frozen_clock.at = MONDAY_9.replace(hour=11)
    await put(rest, targets(first_response_minutes=15, next_response_minutes=60,
                           resolution_minutes=240))
    assert await sla_of(rest, ticket) == {
        "first_response_due_at": None,
        "next_response_due_at": "2026-12-07T11:30:00.000Z",
        "resolution_due_at": "2026-12-07T14:00:00.000Z",
        "status": "ok",
    }
    # the waiting ticket's resolution is paused with 230 minutes left (10 spent)...
    paused = await sla_of(rest, waiting)
    assert paused is not None and paused["resolution_due_at"] is None
    assert (await Ticket.get(id=waiting["id"])).status == TicketStatus.WAITING
    # ...and resumes with them when the customer writes at 12:00: due 15:50
    frozen_clock.at = MONDAY_9.replace(hour=12)
    await rest.post(f"/tickets/{waiting['id']}/customer-reply", {"text": "Order 17"})
    resumed = await sla_of(rest, waiting) or {}
    assert resumed["resolution_due_at"] == "2026-12-07T15:50:00.000Z"


async def test_business_hours_apply_from_the_start_and_the_cli_path_too(
    project: Any, frozen_clock: clock.FrozenClock
) -> None:
    """A ticket from Friday 16:30 (Berlin) under first response 60 min: around the clock due
    17:30; business hours Mon–Fri 09–17 set later (over the CLI's use case) → Monday 09:30."""
    from services import tickets

    frozen_clock.at = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # Friday 16:30 in Berlin
    await service_levels.put_settings(
        project.id, {"timezone": "Europe/Berlin", **targets(first_response_minutes=60)}
    )
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="help"))
    assert ticket.sla_first_response_due_at == datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
    frozen_clock.advance(minutes=5)
    weekdays = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    body = targets(first_response_minutes=60)
    body["targets"]["business_hours_only"] = True
    await service_levels.put_settings(
        project.id, {"timezone": "Europe/Berlin", "business_hours": weekdays, **body}, actor=CLI
    )
    stored = await Ticket.get(id=ticket.id)
    assert stored.sla_first_response_due_at == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    assert stored.sla_next_check_at == datetime(2026, 12, 7, 8, 15, tzinfo=UTC)


async def test_a_ticket_from_before_start_instants_were_kept(
    project: Any, frozen_clock: clock.FrozenClock
) -> None:
    """A ticket whose state records no start (written by an older version): a running clock
    moves by the difference of the targets; one that never ran counts from creation."""
    from services import tickets

    frozen_clock.at = MONDAY_9
    await service_levels.put_settings(project.id, targets(first_response_minutes=60))
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="old"))
    await Ticket.filter(id=ticket.id).update(sla_state=None, created_at=MONDAY_9)
    frozen_clock.at = MONDAY_9.replace(minute=20)
    await service_levels.put_settings(
        project.id, targets(first_response_minutes=90, resolution_minutes=120)
    )
    stored = await Ticket.get(id=ticket.id)
    assert stored.sla_first_response_due_at == MONDAY_9.replace(hour=10, minute=30)
    assert stored.sla_resolution_due_at == MONDAY_9.replace(hour=11)
