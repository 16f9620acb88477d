"""A project has one agent chat: switching it from a Telegram group to a MAX chat and back
tells both chats and loses nothing that was waiting for the old one."""

from __future__ import annotations

from models import Project, Ticket
from models.enums import Channel, MessageSource
from services import agent_chat, customer_messages
from tests.fakes.max import FakeMax
from tests.test_agent_group_env import (  # noqa: F401
    ADMIN,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)
from tests.test_max_desk_env import DESK, MaxDeskEnv, mx_fixture, reply_of  # noqa: F401


async def customer_writes(project: Project, ticket: Ticket, text: str) -> None:
    await customer_messages.customer_message(
        project, ticket.id, text, source=MessageSource.TELEGRAM
    )


async def test_switching_the_agent_chat_telegram_max_telegram(
    mx: FakeMax, project: Project, env: AgentGroupEnv
) -> None:
    desk = MaxDeskEnv(mx, project, telegram_sender=env.sender)
    await env.bind(GROUP, forum=True)
    first = await env.telegram_ticket("My order is late")
    await env.drain()
    topic = (await Ticket.get(id=first.id)).agent_topic_id
    assert topic is not None
    # a second ticket arrives while the Telegram group is still the agent chat, unsent yet
    second = await env.telegram_ticket("Wrong size", chat_id=556, customer_message_id="12")

    # → MAX: the MAX chat says it replaces the Telegram group; the group is told
    await desk.bind()
    assert "It replaces the project's Telegram agent chat" in desk.texts()[0]
    await env.drain()
    assert "no longer the agent chat" in env.tg.sent_texts(GROUP)[-1]
    assert "MAX chat" in env.tg.sent_texts(GROUP)[-1]
    # what waited for the Telegram group is posted in MAX, and new messages go there too
    await customer_writes(desk.project, first, "Any news?")
    await desk.drain()
    assert (await desk.card_text(second)).startswith("#2 · ")
    assert "👤 #2 · Ann:\nWrong size" in desk.texts()
    card = await desk.card_mid(first)
    relayed = desk.posts()[-1]
    assert relayed["body"]["text"] == "👤 #1 · Ann:\nAny news?" and reply_of(relayed) == card
    assert not any("Any news?" in t for t in env.tg.sent_texts(GROUP))

    # → Telegram again: the MAX chat is told; the ticket's old topic is used again
    code = await agent_chat.create_binding_code(project.id)
    await env.say(GROUP, ADMIN, f"/connect {code.code}")
    assert "It replaces the project's MAX agent chat" in env.tg.sent_texts(GROUP)[-1]
    bound = await Project.get(id=project.id)
    assert (bound.agent_chat_platform, bound.agent_chat_id) == (Channel.TELEGRAM, GROUP)
    await desk.drain()
    assert "agents now work in a Telegram chat" in desk.last_text()
    await customer_writes(bound, first, "Hello?")
    await env.drain()
    assert env.topic_texts(GROUP, topic)[-1] == "👤 Ann:\nHello?"
    assert not any("Hello?" in t for t in desk.texts(DESK))
    await desk.dp.shutdown()


async def test_the_agent_chat_is_not_taken_by_the_other_platforms_same_id(
    project: Project, env: AgentGroupEnv
) -> None:
    """Chat ids of the two messengers are separate spaces: unbinding a MAX chat leaves a
    Telegram binding with the same number alone."""
    await env.bind(GROUP, forum=True)
    assert await agent_chat.unbind_chat(GROUP, Channel.MAX) is None
    assert (await Project.get(id=project.id)).agent_chat_id == GROUP
