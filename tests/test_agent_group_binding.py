"""Binding a Telegram group to a project: /connect CODE, /disconnect, migration, the CLI."""

from __future__ import annotations

import argparse

from helpdesk import cli_agent_chat
from models import AgentChatCode, Project
from models.enums import MessageSource
from services import agent_chat
from services.customer_messages import customer_message
from tests.test_agent_group_env import (  # noqa: F401
    ADMIN,
    AGENT,
    GROUP,
    PLAIN_GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)


def last_reply(env: AgentGroupEnv, chat_id: int) -> str:
    return env.tg.sent_texts(chat_id)[-1]


async def test_cli_prints_a_one_time_code_valid_15_minutes(env: AgentGroupEnv) -> None:
    parser = argparse.ArgumentParser()
    cli_agent_chat.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["agent-chat", "code", "--project", str(env.project.id)])
    result = await args.handler(args)
    assert result["expires_in"] == 900
    record = await AgentChatCode.get(code=result["code"])
    assert record.project_id == env.project.id and record.used_at is None


async def test_connect_with_a_valid_code_binds_the_forum_group(env: AgentGroupEnv) -> None:
    project = await env.bind(GROUP, forum=True)
    assert project.agent_chat_is_forum is True
    assert "Acme Support" in last_reply(env, GROUP)
    # the code is one-time
    [used] = await AgentChatCode.all()
    await env.say(GROUP, ADMIN, f"/connect {used.code}")
    assert "unknown or was already used" in last_reply(env, GROUP)


async def test_connect_a_plain_group(env: AgentGroupEnv) -> None:
    project = await env.bind(PLAIN_GROUP, forum=False)
    assert project.agent_chat_is_forum is False


async def test_wrong_and_expired_codes_are_refused(env: AgentGroupEnv, frozen_clock) -> None:
    env.tg.add_chat(GROUP, is_forum=True)
    await env.say(GROUP, ADMIN, "/connect nosuchcode")
    assert "unknown" in last_reply(env, GROUP)
    code = await agent_chat.create_binding_code(env.project.id)
    frozen_clock.advance(minutes=16)
    await env.say(GROUP, ADMIN, f"/connect {code.code}")
    assert "expired" in last_reply(env, GROUP)
    await env.say(GROUP, ADMIN, "/connect")
    assert "/connect CODE" in last_reply(env, GROUP)
    assert (await Project.get(id=env.project.id)).agent_chat_id is None


async def test_missing_admin_rights_are_explained(env: AgentGroupEnv) -> None:
    env.tg.add_chat(GROUP, is_forum=True)
    code = await agent_chat.create_binding_code(env.project.id)
    env.tg.set_bot_rights(GROUP, is_admin=False)
    await env.say(GROUP, ADMIN, f"/connect {code.code}")
    assert "administrator" in last_reply(env, GROUP)
    env.tg.set_bot_rights(GROUP, is_admin=True, can_manage_topics=False)
    await env.say(GROUP, ADMIN, f"/connect {code.code}")
    assert "Manage topics" in last_reply(env, GROUP)
    assert (await Project.get(id=env.project.id)).agent_chat_id is None
    # the code was not spent on the failed attempts
    env.tg.set_bot_rights(GROUP, is_admin=True, can_manage_topics=True)
    await env.say(GROUP, ADMIN, f"/connect {code.code}")
    assert (await Project.get(id=env.project.id)).agent_chat_id == GROUP


async def test_russian_admin_gets_russian_texts(env: AgentGroupEnv) -> None:
    env.tg.add_chat(GROUP, is_forum=True)
    await env.say(GROUP, ADMIN, "/connect nosuchcode", language_code="ru")
    assert "Код неизвестен" in last_reply(env, GROUP)


async def test_disconnect_only_by_a_group_admin(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    env.tg.set_member(GROUP, ADMIN, "administrator")
    env.tg.set_member(GROUP, AGENT, "member")
    await env.say(GROUP, AGENT, "/disconnect")
    assert "administrator" in last_reply(env, GROUP)
    assert (await Project.get(id=env.project.id)).agent_chat_id == GROUP
    await env.say(GROUP, ADMIN, "/disconnect")
    assert (await Project.get(id=env.project.id)).agent_chat_id is None
    await env.say(GROUP, ADMIN, "/disconnect")
    assert "not bound" in last_reply(env, GROUP)


async def test_group_migrated_to_a_supergroup_keeps_working(env: AgentGroupEnv) -> None:
    await env.bind(PLAIN_GROUP, forum=False)
    ticket = await env.telegram_ticket()
    await env.drain()
    new_id = -1009990
    env.tg.add_chat(new_id, is_forum=False)
    await env.feed(env.updates.message(PLAIN_GROUP, ADMIN, None, migrate_to_chat_id=new_id))
    project = await Project.get(id=env.project.id)
    assert project.agent_chat_id == new_id
    # the next event lands in the new chat, with a fresh card
    await customer_message(project, ticket.id, "any news?", source=MessageSource.TELEGRAM)
    await env.drain()
    texts = env.tg.sent_texts(new_id)
    assert any("Ticket #1" in t for t in texts)
    assert any("any news?" in t for t in texts)


async def test_a_migration_met_while_sending_moves_the_binding(env: AgentGroupEnv) -> None:
    await env.bind(PLAIN_GROUP, forum=False)
    new_id = -1007770
    env.tg.add_chat(new_id, is_forum=False)
    env.tg.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        chat_id=PLAIN_GROUP,
        parameters={"migrate_to_chat_id": new_id},
    )
    ticket = await env.telegram_ticket()
    await env.drain()
    assert (await Project.get(id=env.project.id)).agent_chat_id == new_id
    card = env.card(await env.ticket(ticket))
    assert card["chat"]["id"] == new_id and "Ticket #1" in card["text"]
