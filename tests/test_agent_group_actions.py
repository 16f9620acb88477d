"""Commands and card buttons in the agent group go through the ticket use cases."""

from __future__ import annotations

from typing import Any

from bot.telegram.agent_group.render import CardAction
from models import Ticket
from models.enums import Priority, TicketStatus
from services import agent_desk, catalog, tickets
from services.errors import ValidationFailed
from tests.test_agent_group_env import (  # noqa: F401
    ADMIN,
    AGENT,
    CUSTOMER_CHAT,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)


async def open_ticket(env: AgentGroupEnv) -> tuple[Ticket, int]:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    ticket = await env.ticket(ticket)
    assert ticket.agent_topic_id is not None
    return ticket, ticket.agent_topic_id


async def press(env: AgentGroupEnv, ticket: Ticket, action: str, value: str = "", **kw: Any) -> str:
    data = CardAction(action=action, ticket=ticket.id.hex, value=value).pack()
    assert len(data.encode()) <= 64
    assert ticket.agent_card_message_id is not None
    await env.feed(
        env.updates.callback(
            GROUP,
            kw.pop("user", AGENT),
            data,
            message_id=ticket.agent_card_message_id,
            username=kw.pop("username", "kate"),
            first_name="Kate",
        )
    )
    answer = env.tg.calls_to("answerCallbackQuery")[-1]
    return str(answer.params.get("text") or "")


async def test_commands_change_the_ticket_edit_the_card_and_fire_webhooks(
    env: AgentGroupEnv,
) -> None:
    ticket, thread = await open_ticket(env)
    await env.say(GROUP, AGENT, "/assign me", message_thread_id=thread, username="kate")
    await env.say(GROUP, AGENT, "/priority urgent", message_thread_id=thread)
    await env.say(GROUP, AGENT, "/status in_progress", message_thread_id=thread)
    ticket = await env.ticket(ticket)
    assert ticket.assignee is not None and ticket.assignee.username == "kate"
    assert ticket.priority == Priority.URGENT and ticket.status == TicketStatus.IN_PROGRESS
    events = await env.webhook_events(ticket)
    for event in ("ticket.assigned", "ticket.priority_changed", "ticket.status_changed"):
        assert event in events
    await env.drain()
    card = env.card(ticket)["text"]
    assert "Assignee: Kate (@kate)" in card
    assert "Priority: 🔥 urgent" in card and "Status: 🛠 in progress" in card
    replies = env.topic_texts(GROUP, thread)
    assert "🙋 Assigned to Kate." in replies and "Priority: 🔥 urgent." in replies


async def test_close_and_reopen_rename_and_close_the_topic(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    await env.say(GROUP, AGENT, "/close", message_thread_id=thread)
    assert (await env.ticket(ticket)).status == TicketStatus.CLOSED
    await env.drain()
    topic = env.tg.topic(GROUP, thread)
    assert topic is not None and topic.state == "closed" and topic.name.startswith("✅ #1")
    assert "ticket.closed" in await env.webhook_events(ticket)
    # the customer is told, and replying to a closed ticket is refused with a hint
    assert any("is closed" in t for t in env.tg.sent_texts(CUSTOMER_CHAT))
    await env.say(GROUP, AGENT, "/reopen", message_thread_id=thread)
    assert (await env.ticket(ticket)).status == TicketStatus.OPEN
    await env.drain()
    assert topic.state == "open" and topic.name == "#1 · Late order · Ann"
    assert "Status: 🔄 open" in env.card(await env.ticket(ticket))["text"]


async def test_writing_to_a_closed_ticket_is_refused_with_a_hint(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    await tickets.change_status(env.project, ticket.id, "closed")
    await env.drain()  # closes the topic
    env.tg.reopen_topic(GROUP, thread)  # someone reopened it by hand
    await env.say(GROUP, AGENT, "hello?", message_thread_id=thread)
    assert "/reopen" in env.tg.sent_texts(GROUP)[-1]
    await env.say(GROUP, AGENT, "/priority sky-high", message_thread_id=thread)
    assert "Not accepted" in env.tg.sent_texts(GROUP)[-1]
    assert (await env.ticket(ticket)).status == TicketStatus.CLOSED


async def test_assign_by_username_and_usage_hints(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    await env.say(GROUP, ADMIN, "!hi", message_thread_id=thread)
    await env.say(GROUP, AGENT, "/assign @boss", message_thread_id=thread)
    assert (await env.ticket(ticket)).assignee.username == "boss"  # type: ignore[union-attr]
    await env.say(GROUP, AGENT, "/assign @nobody", message_thread_id=thread)
    assert "Not found" in env.tg.sent_texts(GROUP)[-1]
    await env.say(GROUP, AGENT, "/priority", message_thread_id=thread)
    assert "Usage: /priority" in env.tg.sent_texts(GROUP)[-1]
    await env.say(GROUP, AGENT, "/close")  # General topic: no ticket there
    assert "Write inside a ticket topic" in env.tg.sent_texts(GROUP)[-1]


async def test_card_buttons(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    assert "Assigned to Kate" in await press(env, ticket, "take")
    ticket = await env.ticket(ticket)
    assert ticket.assignee is not None and "Assignee: Kate (@kate)" in env.card(ticket)["text"]

    await press(env, ticket, "pm")
    menu = env.card(ticket)["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in menu[0]] == ["low", "normal", "⚠️ high", "🔥 urgent"]
    await press(env, ticket, "p", "high")
    ticket = await env.ticket(ticket)
    assert ticket.priority == Priority.HIGH
    card = env.card(ticket)
    assert "Priority: ⚠️ high" in card["text"]
    assert card["reply_markup"]["inline_keyboard"][0][0]["text"] == "🙋 Take"

    await press(env, ticket, "sm")
    await press(env, ticket, "s", "waiting")
    assert (await env.ticket(ticket)).status == TicketStatus.WAITING
    await press(env, ticket, "close")
    ticket = await env.ticket(ticket)
    assert ticket.status == TicketStatus.CLOSED
    assert env.card(ticket)["reply_markup"]["inline_keyboard"][1][1]["text"] == "🔄 Reopen"
    events = await env.webhook_events(ticket)
    assert events.count("ticket.status_changed") == 2 and "ticket.closed" in events
    assert "ticket.assigned" in events and "ticket.priority_changed" in events
    await env.drain()
    assert env.tg.topic(GROUP, thread).state == "closed"  # type: ignore[union-attr]
    await press(env, ticket, "reopen")
    assert (await env.ticket(ticket)).status == TicketStatus.OPEN


async def test_buttons_from_non_members_are_refused(env: AgentGroupEnv) -> None:
    ticket, _ = await open_ticket(env)
    env.tg.set_member(GROUP, 9999, "left")
    assert "Only members" in await press(env, ticket, "take", user=9999)
    assert (await env.ticket(ticket)).assignee_id is None


async def test_agents_registered_in_the_group_can_be_assigned_through_the_api(
    env: AgentGroupEnv,
) -> None:
    ticket, thread = await open_ticket(env)
    await env.say(GROUP, AGENT, "!looking", message_thread_id=thread, username="kate")
    [agent] = await catalog.list_agents(env.project.id)
    assert catalog.agent_view(agent) == {
        "id": str(agent.id),
        "name": "Kate",
        "username": "kate",
        "platforms": ["telegram"],
    }
    assert agent.telegram_user_id == AGENT
    assigned = await tickets.assign(env.project, ticket.id, str(agent.id))  # PATCH …/assign
    assert assigned.assignee_id == agent.id
    await env.drain()
    assert "Assignee: Kate (@kate)" in env.card(await env.ticket(ticket))["text"]
    # a second action does not register the agent twice, but refreshes the name
    await env.say(GROUP, AGENT, "!again", message_thread_id=thread, username="kate2")
    [agent] = await catalog.list_agents(env.project.id)
    assert agent.username == "kate2"


async def test_unknown_agent_ids_are_refused_by_assign(env: AgentGroupEnv) -> None:
    ticket, _ = await open_ticket(env)
    try:
        await tickets.assign(env.project, ticket.id, "00000000-0000-0000-0000-000000000000")
    except ValidationFailed:
        pass
    else:
        raise AssertionError("assign accepted an unknown agent")
    assert await agent_desk.is_known_agent(env.project, AGENT) is False
