"""The agent group inside the product's Telegram dispatcher (bot/telegram/factory.py): group
updates reach the agent-group router only, private chats still reach the customer bot."""

from __future__ import annotations

from aiogram.fsm.storage.memory import MemoryStorage

from bot.telegram.factory import create_dispatcher
from helpdesk.settings import Settings
from models.enums import Author
from tests.test_agent_group_env import (  # noqa: F401
    AGENT,
    CUSTOMER_CHAT,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)


async def test_group_updates_never_reach_the_customer_bot(env: AgentGroupEnv) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    env.dp, _ = create_dispatcher(settings, MemoryStorage())
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = (await env.ticket(ticket)).agent_topic_id
    assert thread is not None
    before = len(env.tg.sent_texts(GROUP))
    await env.say(GROUP, AGENT, "/start")  # a customer command, typed in the agent group
    await env.say(GROUP, AGENT, "just chatting")
    assert len(env.tg.sent_texts(GROUP)) == before
    await env.say(GROUP, AGENT, "On it!", message_thread_id=thread)
    replies = [m for m in await env.messages(ticket) if m.author == Author.AGENT]
    assert [m.text for m in replies] == ["On it!"]
    await env.drain()
    assert any("On it!" in t for t in env.tg.sent_texts(CUSTOMER_CHAT))
