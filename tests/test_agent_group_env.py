"""The agent-group test bench: a real aiogram Bot and Dispatcher against FakeTelegram, and
the Telegram sender with the agent-group kinds registered (imported by test_agent_group_*)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.telegram.agent_group import create_agent_group_router
from delivery import telegram as tg_delivery
from delivery.limits import MemoryLimiter
from delivery.sender import MessengerSender
from delivery.telegram_agent_chat import setup_agent_chat_delivery
from models import Message, OutboundMessage, OutboxEvent, Project, Ticket
from models.enums import Channel, DeliveryStatus, MessageSource
from services import agent_chat, ticket_queries, tickets
from services.notifications import CUSTOMER_TEXT
from tests.fakes.telegram import FakeTelegram

GROUP = -1001000
PLAIN_GROUP = -2002000
ADMIN = 7001
AGENT = 7002
CUSTOMER_CHAT = 555
NAMES = {ADMIN: "Boss", AGENT: "Kate"}


class AgentGroupEnv:
    def __init__(self, tg: FakeTelegram, project: Project) -> None:
        self.tg = tg
        self.project = project
        self.bot: Bot = tg.make_bot()
        self.dp = Dispatcher()
        self.dp.include_router(create_agent_group_router())
        ticks = itertools.count(0, 1000)  # limiter time leaps: pacing never sleeps in tests
        self.sender = MessengerSender(
            tg_delivery.TelegramPlatform(), self.bot, MemoryLimiter(now=lambda: next(ticks))
        )
        tg_delivery.setup(self.sender)
        setup_agent_chat_delivery(self.sender)
        self.updates = tg.updates

    async def feed(self, update: dict[str, Any]) -> Any:
        return await self.dp.feed_raw_update(self.bot, update)

    async def say(self, chat_id: int, user_id: int, text: str | None = None, **kw: Any) -> Any:
        kw.setdefault("username", NAMES.get(user_id, f"user{user_id}").lower())
        kw.setdefault("first_name", NAMES.get(user_id, f"User{user_id}"))
        return await self.feed(self.updates.message(chat_id, user_id, text, **kw))

    async def drain(self) -> int:
        total = 0
        while processed := await self.sender.run_once():
            total += processed
        return total

    async def bind(self, chat_id: int = GROUP, *, forum: bool = True) -> Project:
        self.tg.add_chat(chat_id, is_forum=forum)
        code = await agent_chat.create_binding_code(self.project.id)
        await self.say(chat_id, ADMIN, f"/connect {code.code}")
        self.project = await Project.get(id=self.project.id)
        assert self.project.agent_chat_id == chat_id
        return self.project

    async def telegram_ticket(self, text: str = "My order is late", **kw: Any) -> Ticket:
        new = tickets.NewTicket(
            text=text,
            subject=kw.pop("subject", "Late order"),
            channel=Channel.TELEGRAM,
            chat_id=kw.pop("chat_id", CUSTOMER_CHAT),
            first_name=kw.pop("first_name", "Ann"),
            username=kw.pop("username", "ann"),
            source=MessageSource.TELEGRAM,
            customer_message_id=kw.pop("customer_message_id", "11"),
            **kw,
        )
        return await tickets.create_ticket(self.project, new)

    async def ticket(self, ticket: Ticket) -> Ticket:
        return await ticket_queries.load(await Ticket.get(id=ticket.id))

    def topic_texts(self, chat_id: int, thread_id: int | None) -> list[str]:
        return [
            m.get("text") or m.get("caption") or "" for m in self.tg.messages_in(chat_id, thread_id)
        ]

    def card(self, ticket: Ticket) -> dict[str, Any]:
        assert ticket.agent_chat_id is not None and ticket.agent_card_message_id is not None
        card = self.tg.message(ticket.agent_chat_id, ticket.agent_card_message_id)
        assert card is not None
        return card

    async def webhook_events(self, ticket: Ticket) -> list[str]:
        rows = await OutboxEvent.filter(ticket_id=ticket.id).order_by("seq")
        return [row.event for row in rows]

    async def customer_rows(self, ticket: Ticket) -> list[OutboundMessage]:
        return list(
            await OutboundMessage.filter(ticket_id=ticket.id, kind=CUSTOMER_TEXT).order_by(
                "created_at"
            )
        )

    async def messages(self, ticket: Ticket) -> list[Message]:
        return list(await Message.filter(ticket_id=ticket.id).order_by("created_at", "id"))

    async def undelivered(self) -> list[OutboundMessage]:
        return list(await OutboundMessage.exclude(status=DeliveryStatus.DELIVERED))


@pytest.fixture(name="tg")
async def tg_fixture() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture(name="env")
async def env_fixture(tg: FakeTelegram, project: Project) -> AgentGroupEnv:
    tg.add_chat(CUSTOMER_CHAT, type="private", first_name="Ann")
    return AgentGroupEnv(tg, project)
