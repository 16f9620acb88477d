"""Binding a MAX group chat as the project's agent chat: /connect CODE, /disconnect."""

from __future__ import annotations

from models import Project
from models.enums import Channel
from services import agent_chat, clock
from tests.test_max_desk_env import BOSS, DESK, KATE, MaxDeskEnv, desk_fixture, mx_fixture  # noqa: F401


async def _reload(desk: MaxDeskEnv) -> Project:
    return await Project.get(id=desk.project.id)


async def test_connect_with_a_valid_code_binds_the_chat(desk: MaxDeskEnv) -> None:
    await desk.bind()
    assert "is now the agent chat of" in desk.last_text()
    # the answer is a reply to the /connect message
    assert desk.posts()[-1]["link"]["type"] == "reply"
    project = await _reload(desk)
    assert (project.agent_chat_platform, project.agent_chat_id) == (Channel.MAX, DESK)


async def test_a_wrong_or_used_code_is_refused(desk: MaxDeskEnv) -> None:
    desk.group()
    await desk.say(BOSS, "/connect nosuchcode")
    assert "unknown or was already used" in desk.last_text()
    code = await agent_chat.create_binding_code(desk.project.id)
    await desk.say(BOSS, f"/connect {code.code}")
    await desk.say(BOSS, f"/connect {code.code}")
    assert "unknown or was already used" in desk.last_text()
    await desk.say(BOSS, "/connect")
    assert "Send /connect CODE" in desk.last_text()


async def test_an_expired_code_is_refused(
    desk: MaxDeskEnv, frozen_clock: clock.FrozenClock
) -> None:
    desk.group()
    code = await agent_chat.create_binding_code(desk.project.id)
    frozen_clock.advance(minutes=16)
    await desk.say(BOSS, f"/connect {code.code}")
    assert "expired" in desk.last_text()
    assert (await _reload(desk)).agent_chat_id is None


async def test_the_bot_says_what_it_lacks(desk: MaxDeskEnv) -> None:
    desk.group(bot_admin=False)
    code = await agent_chat.create_binding_code(desk.project.id)
    await desk.say(BOSS, f"/connect {code.code}")
    assert "administrator" in desk.last_text()
    desk.mx.bot_rights[DESK] = {"is_admin": True, "permissions": ["write"]}
    await desk.say(BOSS, f"/connect {code.code}")
    assert "cannot read" in desk.last_text()
    assert (await _reload(desk)).agent_chat_id is None
    # given the right, the same (unused) code binds
    desk.mx.bot_rights[DESK]["permissions"].append("read_all_messages")
    await desk.say(BOSS, f"/connect {code.code}")
    assert (await _reload(desk)).agent_chat_id == DESK


async def test_only_an_admin_disconnects(desk: MaxDeskEnv) -> None:
    await desk.bind()
    await desk.say(KATE, "/disconnect")
    assert "Only a group administrator" in desk.last_text()
    assert (await _reload(desk)).agent_chat_id == DESK
    await desk.say(BOSS, "/disconnect")
    assert "no longer the agent chat" in desk.last_text()
    assert (await _reload(desk)).agent_chat_id is None
    await desk.say(BOSS, "/disconnect")
    assert "not bound" in desk.last_text()
