"""Two SLA timers at once (run with TEST_DATABASE_URL for PostgreSQL's row locks; on SQLite
one writer at a time): every warning and breach fires exactly once, and a timer that dies
mid-transaction loses nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from models import OutboxEvent, Project, Ticket
from services import clock, service_levels, sla_timers, tickets
from services.sla_timers import run_due

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SETTINGS = {"targets": {"first_response_minutes": 60, "resolution_minutes": 600},
            "warn_before_minutes": 15}


@pytest.fixture
def now(frozen_clock: clock.FrozenClock) -> clock.FrozenClock:
    frozen_clock.at = START
    return frozen_clock


async def open_tickets(project: Project, count: int) -> list[Ticket]:
    await service_levels.put_settings(project.id, SETTINGS)
    return [
        await tickets.create_ticket(project, tickets.NewTicket(text=f"help {n}"))
        for n in range(count)
    ]


async def drain(batch: int) -> None:
    for _ in range(100):
        await run_due(limit=batch)
        if not await sla_timers.due_tickets(clock.now()):
            return


async def test_two_timers_warn_and_breach_each_ticket_once(
    project: Project, now: clock.FrozenClock
) -> None:
    made = await open_tickets(project, 30)
    now.advance(minutes=46)  # every first response is in its warning window
    await asyncio.gather(drain(4), drain(7), drain(5))
    now.advance(minutes=20)  # … and now overdue
    await asyncio.gather(drain(4), drain(7))
    events = await OutboxEvent.filter(event__startswith="ticket.sla_").values_list(
        "ticket_id", "event"
    )
    assert Counter(events) == Counter(
        [(t.id, "ticket.sla_warning") for t in made] + [(t.id, "ticket.sla_breached") for t in made]
    )


async def test_a_timer_killed_mid_tick_loses_nothing(
    project: Project, now: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await open_tickets(project, 3)
    now.advance(minutes=46)
    calls = 0
    record_event = sla_timers.outbox.record_event

    async def dies_on_the_second(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("killed")
        return await record_event(*args, **kwargs)

    monkeypatch.setattr(sla_timers.outbox, "record_event", dies_on_the_second)
    with pytest.raises(RuntimeError):
        await run_due()
    monkeypatch.setattr(sla_timers.outbox, "record_event", record_event)
    await run_due()  # the restarted timer
    warned = await OutboxEvent.filter(event="ticket.sla_warning").values_list(
        "ticket_id", flat=True
    )
    assert sorted(warned) == sorted(t.id for t in made)
