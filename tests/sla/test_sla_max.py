"""Out-of-hours reply and auto-close farewell reach a MAX customer (real maxapi client against
FakeMax): the rules are the same use cases as for Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

from models import Ticket
from models.enums import TicketStatus
from services import clock, requests, service_levels, sla_timers, tickets
from services.requests import BotLinks
from tests.test_max_env import CHAT, MaxEnv, menv_fixture, mx_fixture  # noqa: F401

SATURDAY = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
SETTINGS = {
    "timezone": "Europe/Moscow",
    "business_hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "out_of_hours_reply": {"enabled": True},
    "auto_close": {"enabled": True, "after_hours": 24},
}


async def test_max_customer_gets_out_of_hours_reply_once_and_a_farewell(
    menv: MaxEnv, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = SATURDAY
    await service_levels.put_settings(menv.project.id, SETTINGS)
    created = await requests.create_request(menv.project, BotLinks(max="helpdesk_test_bot"))
    await menv.start(f"hdreq_{created['request_id']}")
    await menv.click("✅ Subscribe")
    await menv.click("📝 New ticket")
    await menv.say("My order is late")
    await menv.click("📨 Send")
    await menv.say("Hello?")
    await menv.drain()
    away = [t for t in menv.mx.sent_texts(CHAT) if t.startswith("🌙")]
    assert away == [
        "🌙 We are away right now and will be back on 2026-12-07 09:00 (Europe/Moscow). "
        "Your message is saved: we will answer here."
    ]

    ticket = await Ticket.get(project_id=menv.project.id)
    await tickets.agent_reply(menv.project, ticket.id, "Please send the order number")
    frozen_clock.advance(hours=24)
    assert (await sla_timers.run_due()).closed == [ticket.id]
    await menv.drain()
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    assert menv.mx.sent_texts(CHAT)[-1] == (
        "👋 Ticket #1 was closed because we have not heard from you. Write here within 7 days "
        "to reopen it; after that, a message starts a new ticket."
    )
