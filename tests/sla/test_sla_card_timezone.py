"""Due times on the agent chat's card (Telegram group and MAX chat), in its SLA lines and on
the console's ticket page are the project's wall clock with its zone — not UTC — for a team
whose service levels are in Europe/Moscow; UTC for a project without a time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models import Ticket
from services import clock, console_auth, service_levels, sla_timers
from tests.api.conftest import api_settings
from tests.test_agent_group_actions import press
from tests.test_agent_group_env import (  # noqa: F401
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)
from tests.test_max_desk_env import (  # noqa: F401
    KATE,
    MaxDeskEnv,
    desk_fixture,
    mx_fixture,
)

MONDAY_9_UTC = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
MOSCOW: dict[str, Any] = {
    "timezone": "Europe/Moscow",
    "targets": {"first_response_minutes": 30, "business_hours_only": False},
    "warn_before_minutes": 10,
}


async def test_telegram_card_and_alert_show_moscow_time(
    env: AgentGroupEnv, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = MONDAY_9_UTC
    await service_levels.put_settings(env.project.id, MOSCOW)
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    fresh = await env.ticket(ticket)
    assert "Due: 2026-12-07 12:30 MSK (first response)" in env.card(fresh)["text"]

    # the desk redraws the card after a press: the same clock
    await press(env, fresh, "take")
    card = env.tg.calls_to("editMessageText")[-1].params["text"]
    assert "Due: 2026-12-07 12:30 MSK (first response)" in card and "UTC" not in card

    frozen_clock.advance(minutes=20)
    assert (await sla_timers.run_due()).warnings == [(ticket.id, "first_response")]
    await env.drain()
    assert env.topic_texts(GROUP, fresh.agent_topic_id)[-1] == (
        "⏰ #1: first response is due at 2026-12-07 12:30 MSK."
    )


async def test_max_card_shows_moscow_time_also_after_a_press(
    desk: MaxDeskEnv, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = MONDAY_9_UTC
    await service_levels.put_settings(desk.project.id, MOSCOW)
    await desk.bind()
    ticket = await desk.api_ticket()
    await desk.drain()
    assert "Due: 2026-12-07 12:30 MSK (first response)" in await desk.card_text(ticket)
    await desk.press(KATE, "🙋 Take", ticket)
    text = await desk.card_text(ticket)
    assert "Assignee: Kate" in text and "Due: 2026-12-07 12:30 MSK (first response)" in text


async def test_a_project_without_a_time_zone_sees_utc(
    desk: MaxDeskEnv, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = MONDAY_9_UTC
    await service_levels.put_settings(desk.project.id, {**MOSCOW, "timezone": "UTC"})
    await desk.bind()
    ticket = await desk.api_ticket()
    await desk.drain()
    assert "Due: 2026-12-07 09:30 UTC (first response)" in await desk.card_text(ticket)


async def test_console_ticket_page_shows_moscow_time(
    aiohttp_client: Any, db: str, project: Any, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = MONDAY_9_UTC
    await service_levels.put_settings(project.id, MOSCOW)
    from services import tickets

    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="hello"))
    client = await aiohttp_client(create_app_for(db))
    issued = await console_auth.create_login_link(project.id)
    await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    page = await (await client.get(f"/console/tickets/{ticket.id}")).text()
    assert '<time datetime="2026-12-07T09:30:00' in page  # the instant stays machine-readable
    assert "2026-12-07 12:30 MSK" in page and "09:30 UTC" not in page
    assert await Ticket.exists(id=ticket.id)


def create_app_for(db: str) -> Any:
    from helpdesk.app import create_app

    return create_app(api_settings(db), role="api")
