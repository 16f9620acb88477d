"""`/r` canned replies and `/find` in the Telegram agent group, against the fake Bot API."""

from __future__ import annotations

from typing import Any

from models import Ticket
from models.enums import Author, TicketStatus
from services import canned_replies
from services.canned_replies import CannedReplyInput
from tests.test_agent_group_env import (  # noqa: F401
    AGENT,
    CUSTOMER_CHAT,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)

TEMPLATE = (
    "Hi {customer.first_name} (@{customer.username})! Ticket #{ticket.number} "
    "“{ticket.subject}” is handled by {agent.name} of {project.name}."
)
STRANGER = 9999


async def open_ticket(env: AgentGroupEnv, **kw: Any) -> tuple[Ticket, int]:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket(**kw)
    await env.drain()
    ticket = await env.ticket(ticket)
    assert ticket.agent_topic_id is not None
    return ticket, ticket.agent_topic_id


async def save(env: AgentGroupEnv, code: str, text: str = TEMPLATE, title: str = "Hello") -> None:
    await canned_replies.create_reply(env.project, CannedReplyInput(code, title, text))


async def agent_texts(env: AgentGroupEnv, ticket: Ticket) -> list[str]:
    return [m.text for m in await env.messages(ticket) if m.author == Author.AGENT]


async def test_r_code_sends_the_rendered_reply_as_if_typed(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    await save(env, "hello")
    await env.say(GROUP, AGENT, "/r hello Anything else?", message_thread_id=thread)

    expected = (
        f"Hi Ann (@ann)! Ticket #1 “Late order” is handled by Kate of {env.project.name}."
        "\n\nAnything else?"
    )
    assert await agent_texts(env, ticket) == [expected]
    ticket = await env.ticket(ticket)
    assert ticket.status == TicketStatus.WAITING
    assert "ticket.replied" in await env.webhook_events(ticket)
    await env.drain()
    assert any(expected in text for text in env.tg.sent_texts(CUSTOMER_CHAT))
    assert env.topic_texts(GROUP, thread)[-1] == f"✅ Sent to the customer:\n{expected}"


async def test_variables_without_values_render_empty(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env, username=None, subject=None)
    await save(env, "hello", "Dear {customer.first_name}{customer.username}, re: {ticket.subject}!")
    await env.say(GROUP, AGENT, "/r hello", message_thread_id=thread)
    await env.drain()
    [sent] = await agent_texts(env, ticket)
    # no username, no subject: both render as nothing
    assert sent == "Dear Ann, re: !"
    assert any(sent in text for text in env.tg.sent_texts(CUSTOMER_CHAT))
    assert not any("{" in text for text in env.tg.sent_texts(CUSTOMER_CHAT))


async def test_an_unknown_code_names_the_nearest_and_sends_nothing(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    for code in ("thanks", "thanks-long", "shipping"):
        await save(env, code)
    await env.drain()
    sent_before = len(env.tg.sent_texts(CUSTOMER_CHAT))

    await env.say(GROUP, AGENT, "/r thnks", message_thread_id=thread)
    answer = env.topic_texts(GROUP, thread)[-1]
    assert "“thnks”" in answer and "Nothing was sent" in answer
    assert "thanks" in answer and "shipping" not in answer
    await env.say(GROUP, AGENT, "/r zzz", message_thread_id=thread)
    assert "Send /r to see the list" in env.topic_texts(GROUP, thread)[-1]

    assert await agent_texts(env, ticket) == []
    assert "ticket.replied" not in await env.webhook_events(ticket)
    await env.drain()
    assert len(env.tg.sent_texts(CUSTOMER_CHAT)) == sent_before


async def test_r_alone_lists_buttons_and_a_press_sends_that_reply(env: AgentGroupEnv) -> None:
    ticket, thread = await open_ticket(env)
    await env.say(GROUP, AGENT, "/r", message_thread_id=thread)
    assert "no canned replies yet" in env.topic_texts(GROUP, thread)[-1]
    await save(env, "bye", "Goodbye, {customer.first_name}!", title="Farewell")
    await save(env, "hello")

    await env.say(GROUP, AGENT, "/r", message_thread_id=thread)
    listing = env.tg.messages_in(GROUP, thread)[-1]
    assert listing["text"] == "Pick a canned reply for ticket #1:"
    buttons = [row[0] for row in listing["reply_markup"]["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["bye — Farewell", "hello — Hello"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    # someone outside the group cannot press it
    env.tg.set_member(GROUP, STRANGER, "left")
    await env.feed(
        env.updates.callback(GROUP, STRANGER, buttons[0]["callback_data"],
                             message_id=listing["message_id"], username="eve", first_name="Eve")
    )
    assert await agent_texts(env, ticket) == []
    alert = env.tg.calls_to("answerCallbackQuery")[-1].params
    assert "Only members" in alert["text"]

    await env.feed(
        env.updates.callback(GROUP, AGENT, buttons[0]["callback_data"],
                             message_id=listing["message_id"], username="kate", first_name="Kate")
    )
    assert await agent_texts(env, ticket) == ["Goodbye, Ann!"]
    assert env.topic_texts(GROUP, thread)[-1] == "✅ Sent to the customer:\nGoodbye, Ann!"
    await env.drain()
    assert any("Goodbye, Ann!" in text for text in env.tg.sent_texts(CUSTOMER_CHAT))
    assert (await env.ticket(ticket)).status == TicketStatus.WAITING


async def test_find_lists_matching_tickets_with_topic_links(env: AgentGroupEnv) -> None:
    first, thread = await open_ticket(env, text="Где мой заказ?", subject="Заказ")
    second = await env.telegram_ticket(text="Payment failed", subject="Card", chat_id=556)
    await env.drain()
    await env.say(GROUP, AGENT, "!заказа нет на складе", message_thread_id=thread)

    await env.say(GROUP, AGENT, "/find заказа")  # in the General topic: no ticket needed
    answer = env.tg.sent_texts(GROUP)[-1]
    assert answer.splitlines() == [
        "Found for “заказа”:",
        "#1 · Заказ · 🆕 new",
        f"https://t.me/c/1000/{thread}",
    ]
    await env.say(GROUP, AGENT, "/find payment", message_thread_id=thread)
    second = await env.ticket(second)
    assert f"#2 · Card · 🆕 new\nhttps://t.me/c/1000/{second.agent_topic_id}" in (
        env.tg.sent_texts(GROUP)[-1]
    )
    await env.say(GROUP, AGENT, "/find nothing-like-this")
    assert env.tg.sent_texts(GROUP)[-1] == "Nothing found for “nothing-like-this”."
    await env.say(GROUP, AGENT, "/find")
    assert env.tg.sent_texts(GROUP)[-1].startswith("Usage: /find")
    assert first.number == 1
