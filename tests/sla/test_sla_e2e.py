"""Service levels end to end: the ticket use cases, the SLA timer and the Telegram sender
against the fake Bot API, with the clock moved by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from models import OutboxEvent, Ticket
from models.enums import MessageSource, TicketStatus
from services import clock, service_levels, sla_timers, tickets
from services.customer_messages import customer_message
from tests.test_agent_group_env import (  # noqa: F401
    CUSTOMER_CHAT,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)

MONDAY_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
SETTINGS: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "business_hours": WEEKDAYS,
    "targets": {"first_response_minutes": 60, "next_response_minutes": 120,
                "resolution_minutes": 2880},
    "warn_before_minutes": 15,
    "out_of_hours_reply": {"enabled": True},
    "auto_close": {"enabled": True, "after_hours": 72, "reopen_window_days": 7},
}


@pytest.fixture
def now(frozen_clock: clock.FrozenClock) -> clock.FrozenClock:
    frozen_clock.at = MONDAY_10
    return frozen_clock


async def setup(env: AgentGroupEnv, **changes: Any) -> None:
    await service_levels.put_settings(env.project.id, {**SETTINGS, **changes})
    await env.bind(GROUP)


async def topic_name(env: AgentGroupEnv, ticket: Ticket) -> str:
    fresh = await env.ticket(ticket)
    assert fresh.agent_topic_id is not None
    topic = env.tg.topic(GROUP, fresh.agent_topic_id)
    assert topic is not None
    return str(topic.name)


async def topic_texts(env: AgentGroupEnv, ticket: Ticket) -> list[str]:
    fresh = await env.ticket(ticket)
    return env.topic_texts(GROUP, fresh.agent_topic_id)


async def events(ticket: Ticket, *names: str) -> list[dict[str, Any]]:
    rows = await OutboxEvent.filter(ticket_id=ticket.id, event__in=list(names)).order_by("seq")
    return [{"event": row.event, **row.payload["data"]} for row in rows]


def customer_texts(env: AgentGroupEnv) -> list[str]:
    return [m.get("text") or "" for m in env.tg.messages_in(CUSTOMER_CHAT, None)]


async def test_warning_then_breach_reach_the_topic_and_webhooks_once(
    env: AgentGroupEnv, now: clock.FrozenClock
) -> None:
    await setup(env)
    ticket = await env.telegram_ticket()
    await env.drain()
    assert await topic_name(env, ticket) == "🟨 #1 · Late order · Ann"
    card = env.card(await env.ticket(ticket))
    assert "Due: 2026-12-07 11:00 CET (first response)" in card["text"]

    now.advance(minutes=44)
    assert (await sla_timers.run_due()).total == 0
    now.advance(minutes=1)  # 15 minutes before the first response is due
    report = await sla_timers.run_due()
    assert report.warnings == [(ticket.id, "first_response")]
    assert (await sla_timers.run_due()).total == 0  # once
    await env.drain()
    assert (await topic_texts(env, ticket))[-1] == (
        "⏰ #1: first response is due at 2026-12-07 11:00 CET."
    )
    warning = await events(ticket, "ticket.sla_warning")
    assert [(e["target"], e["due_at"]) for e in warning] == [
        ("first_response", "2026-12-07T10:00:00.000Z")
    ]
    assert warning[0]["ticket"]["sla"]["status"] == "warning"

    now.advance(minutes=15)
    assert (await sla_timers.run_due()).breaches == [(ticket.id, "first_response")]
    assert (await sla_timers.run_due()).total == 0
    await env.drain()
    assert await topic_name(env, ticket) == "🟥 #1 · Late order · Ann"
    assert "first response is overdue" in (await topic_texts(env, ticket))[-1]
    assert [e["target"] for e in await events(ticket, "ticket.sla_breached")] == [
        "first_response"
    ]

    # the agent answers: first response met, the ticket waits on the customer
    await tickets.agent_reply(env.project, ticket.id, "Sorry, checking now")
    await env.drain()
    fresh = await env.ticket(ticket)
    assert fresh.sla_first_response_due_at is None and fresh.status == TicketStatus.WAITING
    assert await topic_name(env, ticket) == "🟩 #1 · Late order · Ann"
    assert await env.undelivered() == []


async def test_customer_message_starts_next_response_and_waiting_pauses(
    env: AgentGroupEnv, now: clock.FrozenClock
) -> None:
    await setup(env)
    ticket = await env.telegram_ticket()
    created = await env.ticket(ticket)
    assert created.sla_resolution_due_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    await tickets.agent_reply(env.project, ticket.id, "Which order?")
    waiting = await env.ticket(ticket)
    assert waiting.sla_resolution_due_at is None and waiting.sla_next_check_at is not None

    now.advance(hours=3)  # paused: these three hours do not count
    await customer_message(None, ticket.id, "Order 12", source=MessageSource.TELEGRAM,
                           subscriber_id=created.subscriber_id)
    resumed = await env.ticket(ticket)
    assert resumed.status == TicketStatus.IN_PROGRESS
    assert resumed.sla_next_response_due_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    assert resumed.sla_resolution_due_at == datetime(2026, 12, 15, 12, 0, tzinfo=UTC)

    # a second message while the clock runs does not restart it
    now.advance(minutes=30)
    await customer_message(None, ticket.id, "Hello?", source=MessageSource.TELEGRAM,
                           subscriber_id=created.subscriber_id)
    assert (await env.ticket(ticket)).sla_next_response_due_at == resumed.sla_next_response_due_at

    await tickets.agent_reply(env.project, ticket.id, "Found it")
    answered = await env.ticket(ticket)
    assert answered.sla_next_response_due_at is None

    await tickets.change_status(env.project, ticket.id, "closed")
    closed = await env.ticket(ticket)
    assert closed.sla_due_at is None and closed.sla_next_check_at is None
    now.advance(days=30)
    assert (await sla_timers.run_due()).total == 0


async def test_out_of_hours_reply_once_per_closed_period(
    env: AgentGroupEnv, now: clock.FrozenClock
) -> None:
    await setup(env)
    now.at = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # Saturday
    ticket = await env.telegram_ticket()
    created = await env.ticket(ticket)
    await customer_message(None, ticket.id, "anyone?", source=MessageSource.TELEGRAM,
                           subscriber_id=created.subscriber_id)
    await env.drain()
    away = [text for text in customer_texts(env) if text.startswith("🌙")]
    assert away == [
        "🌙 We are away right now and will be back on 2026-12-07 09:00 (Europe/Berlin). "
        "Your message is saved: we will answer here."
    ]
    now.at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Monday, open: nothing
    await customer_message(None, ticket.id, "hi again", source=MessageSource.TELEGRAM,
                           subscriber_id=created.subscriber_id)
    now.at = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)  # Monday evening: a new closed period
    await customer_message(None, ticket.id, "still there?", source=MessageSource.TELEGRAM,
                           subscriber_id=created.subscriber_id)
    await env.drain()
    away = [text for text in customer_texts(env) if text.startswith("🌙")]
    assert len(away) == 2 and "2026-12-08 09:00" in away[1]


async def test_project_text_for_out_of_hours_in_russian(
    env: AgentGroupEnv, now: clock.FrozenClock
) -> None:
    await setup(env)
    now.at = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    await env.telegram_ticket(language_code="ru")
    await env.drain()
    assert any(text.startswith("🌙 Сейчас мы не работаем") for text in customer_texts(env))
    await service_levels.put_settings(
        env.project.id, {**SETTINGS, "out_of_hours_reply": {"enabled": True,
                                                            "text": "Back {back_at}"}}
    )
    await env.telegram_ticket(chat_id=CUSTOMER_CHAT)
    await env.drain()
    assert customer_texts(env)[-1].startswith("Back 2026-12-07 09:00")


async def test_auto_close_farewell_webhooks_and_reopen_window(
    env: AgentGroupEnv, now: clock.FrozenClock
) -> None:
    await setup(env)
    ticket = await env.telegram_ticket()
    subscriber_id = (await env.ticket(ticket)).subscriber_id
    await tickets.agent_reply(env.project, ticket.id, "Is it solved?")
    now.advance(hours=71, minutes=59)
    assert (await sla_timers.run_due()).closed == []
    now.advance(minutes=1)
    assert (await sla_timers.run_due()).closed == [ticket.id]
    assert (await sla_timers.run_due()).total == 0
    await env.drain()
    assert (await env.ticket(ticket)).status == TicketStatus.CLOSED
    assert customer_texts(env)[-1].startswith("👋 Ticket #1 was closed")
    changes = await events(ticket, "ticket.status_changed", "ticket.closed")
    assert [(e["event"], e.get("to"), e["reason"]) for e in changes] == [
        ("ticket.status_changed", "waiting", "api"),  # the reply came through REST
        ("ticket.status_changed", "closed", "auto"),
        ("ticket.closed", None, "auto"),
    ]
    assert (await topic_name(env, ticket)).startswith("✅")

    now.advance(days=6)  # within the window: the same ticket opens again
    written = await customer_message(None, ticket.id, "Not solved", subscriber_id=subscriber_id,
                                     source=MessageSource.TELEGRAM)
    assert written.status_changed and written.message.ticket_id == ticket.id
    assert (await env.ticket(ticket)).status == TicketStatus.OPEN

    await tickets.change_status(env.project, ticket.id, "closed")
    now.advance(days=7, minutes=1)  # past the window: a new ticket
    written = await customer_message(None, ticket.id, "Another thing", subscriber_id=subscriber_id,
                                     source=MessageSource.TELEGRAM)
    assert written.message.ticket_id != ticket.id
    assert (await env.ticket(ticket)).status == TicketStatus.CLOSED
    new = await Ticket.get(id=written.message.ticket_id)
    assert new.number == 2 and new.subscriber_id == subscriber_id
    assert new.sla_first_response_due_at is not None
    await env.drain()
    assert customer_texts(env)[-1].startswith("🎫 Ticket #2 created")
