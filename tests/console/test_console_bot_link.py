"""/console in the Telegram agent group: the real aiogram dispatcher against FakeTelegram."""

from __future__ import annotations

import re

from aiogram import Dispatcher

from bot.telegram.agent_group import create_agent_group_router
from models import Agent, LoginLink
from services import console_auth
from tests.test_agent_group_env import (  # noqa: F401
    AGENT,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)

BASE = "https://desk.example"


def _use_base(env: AgentGroupEnv) -> None:
    env.dp = Dispatcher()
    env.dp.include_router(create_agent_group_router(console_base_url=BASE))


async def test_console_command_sends_the_link_privately(env: AgentGroupEnv) -> None:
    _use_base(env)
    await env.bind(GROUP)
    env.tg.add_chat(AGENT, type="private", first_name="Kate")
    await env.say(GROUP, AGENT, "/console")
    [private] = env.tg.sent_texts(AGENT)
    found = re.search(rf"{BASE}/console/login/(\S+)", private)
    assert found and "Acme Support" in private
    [sent] = [c for c in env.tg.calls_to("sendMessage") if c.chat_id == AGENT]
    assert "is_disabled" in str(sent.params.get("link_preview_options"))
    group_texts = env.tg.sent_texts(GROUP)
    assert any("private chat" in text for text in group_texts)
    assert not any("/console/login/" in text for text in group_texts)
    # the link signs the agent who asked in (registered as this project's agent)
    opened = await console_auth.redeem_login_link(found.group(1))
    agent = await Agent.get(telegram_user_id=AGENT)
    assert opened.identity.agent.id == agent.id
    assert opened.identity.project.id == env.project.id


async def test_agent_who_never_started_the_bot_is_told_in_the_group(env: AgentGroupEnv) -> None:
    _use_base(env)
    await env.bind(GROUP)
    env.tg.block_chat(AGENT, "Forbidden: bot can't initiate conversation with a user")
    await env.say(GROUP, AGENT, "/console")
    group_texts = env.tg.sent_texts(GROUP)
    assert any("cannot write to you privately" in text for text in group_texts)
    assert not any("/console/login/" in text for text in group_texts)
    assert not env.tg.successful_sends(AGENT)


async def test_console_in_an_unbound_group_does_nothing(env: AgentGroupEnv) -> None:
    _use_base(env)
    env.tg.add_chat(GROUP, is_forum=True)
    await env.say(GROUP, AGENT, "/console")
    assert not env.tg.sent_texts(GROUP) and not env.tg.sent_texts(AGENT)
    assert await LoginLink.all().count() == 0
