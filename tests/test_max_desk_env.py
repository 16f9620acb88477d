"""The MAX agent-chat test bench: the real maxapi Bot and our Dispatcher against FakeMax
with a group chat of agents, the MAX sender with the agent-chat kinds (imported by
test_max_desk_*)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from maxapi import Bot, Dispatcher

from bot.max.factory import create_dispatcher
from delivery import max as max_delivery
from delivery.limits import MemoryLimiter
from delivery.max_agent_chat import setup_max_agent_chat_delivery
from delivery.sender import MessengerSender
from models import OutboxEvent, Project, Ticket
from models.enums import Channel, MessageSource
from services import agent_chat, agent_chat_posts, tickets
from tests.dialogs.conftest import make_settings
from tests.fakes.max import FakeMax, feed_max_update
from tests.test_max_env import buttons_of

DESK = -300100  # the agents' MAX group chat
BOSS, KATE, STRANGER = 8001, 8002, 8009
NAMES = {BOSS: "Boss", KATE: "Kate", STRANGER: "Eve"}
CUSTOMER = 4242  # a MAX customer's dialog


class MaxDeskEnv:
    def __init__(self, mx: FakeMax, project: Project, telegram_sender: Any = None) -> None:
        self.mx = mx
        self.project = project
        self.settings = make_settings(max_bot_token="max-test-token", max_api_base=mx.base_url)
        self.bot: Bot = mx.make_bot()
        self.dp: Dispatcher = create_dispatcher(self.settings, None)
        ticks = itertools.count(0, 1000)  # limiter time leaps: pacing never sleeps in tests
        self.limiter = MemoryLimiter(now=lambda: next(ticks))
        self.sender = MessengerSender(max_delivery.MaxPlatform(), self.bot, self.limiter)
        max_delivery.setup(self.sender)
        senders = {"max": self.sender}
        if telegram_sender is not None:
            senders["telegram"] = telegram_sender
        self.delivery = SimpleNamespace(senders=senders)
        setup_max_agent_chat_delivery(self.delivery, "en")

    async def feed(self, update: dict[str, Any]) -> None:
        await feed_max_update(self.dp, self.bot, update)

    def group(self, chat_id: int = DESK, **kw: Any) -> None:
        kw.setdefault("members", {BOSS: "Boss", KATE: "Kate"})
        kw.setdefault("admins", (BOSS,))
        self.mx.add_group(chat_id, **kw)

    async def say(
        self,
        user: int,
        text: str | None,
        *,
        reply_to: str | None = None,
        chat: int = DESK,
        attachments: list[Any] | None = None,
    ) -> dict[str, Any]:
        update = self.mx.updates.message_created(
            chat, user, text, attachments, reply_to=reply_to, first_name=NAMES.get(user),
            username=NAMES.get(user, "").lower() or None,
        )
        await self.feed(update)
        return update

    async def bind(self, chat_id: int = DESK) -> Project:
        if chat_id not in self.mx.chats:
            self.group(chat_id)
        code = await agent_chat.create_binding_code(self.project.id)
        await self.say(BOSS, f"/connect {code.code}", chat=chat_id)
        self.project = await Project.get(id=self.project.id)
        assert self.project.agent_chat_platform == Channel.MAX
        assert self.project.agent_chat_id == chat_id
        return self.project

    async def drain(self) -> int:
        total = 0
        while processed := await self.sender.run_once():
            total += processed
        return total

    async def card_mid(self, ticket: Ticket, chat_id: int = DESK) -> str:
        mid = await agent_chat_posts.card_mid(ticket, chat_id)
        assert mid is not None, "no card posted"
        return mid

    async def card(self, ticket: Ticket, chat_id: int = DESK) -> dict[str, Any]:
        card = self.mx.message(await self.card_mid(ticket, chat_id))
        assert card is not None
        return card

    async def card_text(self, ticket: Ticket) -> str:
        return str((await self.card(ticket))["body"]["text"])

    async def press(self, user: int, label: str, ticket: Ticket) -> None:
        """Press the card's button with this label."""
        card = await self.card(ticket)
        for button in buttons_of(card):
            if button["text"] == label:
                mid = card["body"]["mid"]
                update = self.mx.updates.message_callback(
                    DESK, user, button["payload"], mid=mid, first_name=NAMES.get(user)
                )
                await self.feed(update)
                return
        raise AssertionError(f"no button {label!r} on {[b['text'] for b in buttons_of(card)]}")

    def posts(self, chat_id: int = DESK) -> list[dict[str, Any]]:
        """The bot's messages in the chat now (edits applied, deleted ones gone)."""
        return self.mx.messages_in(chat_id)

    def texts(self, chat_id: int = DESK) -> list[str]:
        return [(m["body"].get("text") or "") for m in self.posts(chat_id)]

    def last_text(self, chat_id: int = DESK) -> str:
        return self.texts(chat_id)[-1]

    async def api_ticket(self, text: str = "Where is my order?", **kw: Any) -> Ticket:
        new = tickets.NewTicket(
            text=text,
            subject=kw.pop("subject", "Order 17"),
            channel=Channel.VIRTUAL,
            chat_id=None,
            first_name=kw.pop("first_name", "Web visitor"),
            source=MessageSource.API,
            **kw,
        )
        return await tickets.create_ticket(self.project, new)

    async def webhook_events(self, ticket: Ticket) -> list[str]:
        rows = await OutboxEvent.filter(ticket_id=ticket.id).order_by("seq")
        return [row.event for row in rows]


def reply_of(message: dict[str, Any]) -> str | None:
    """The mid a posted message replies to."""
    link = message.get("link") or {}
    return (link.get("message") or {}).get("mid") if link.get("type") == "reply" else None


@pytest.fixture(name="mx")
async def mx_fixture() -> AsyncIterator[FakeMax]:
    async with FakeMax() as server:
        yield server


@pytest.fixture(name="desk")
async def desk_fixture(mx: FakeMax, project: Project) -> AsyncIterator[MaxDeskEnv]:
    env = MaxDeskEnv(mx, project)
    yield env
    await env.dp.shutdown()
