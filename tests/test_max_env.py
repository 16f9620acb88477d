"""The MAX bot test bench: the real maxapi Bot and our Dispatcher against FakeMax; the MAX
sender with our delivery setup (imported by test_max_*)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from maxapi import Bot, Dispatcher

from bot.max.factory import create_dispatcher
from bot.max.payloads import Nav
from delivery import max as max_delivery
from delivery.limits import MemoryLimiter
from delivery.sender import MessengerSender
from models import Project
from tests.dialogs.conftest import make_settings
from tests.fakes.max import FakeMax, feed_max_update

CHAT = 4242  # a dialog: FakeMax's dialog chat id is the user id


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for att in (message.get("body") or {}).get("attachments") or []:
        if att.get("type") == "inline_keyboard":
            found += [b for row in att["payload"]["buttons"] for b in row]
    return found


class MaxEnv:
    def __init__(self, mx: FakeMax, project: Project, redis: Any = None) -> None:
        self.mx = mx
        self.project = project
        self.settings = make_settings(max_bot_token="max-test-token", max_api_base=mx.base_url)
        self.bot: Bot = mx.make_bot()
        self.dp: Dispatcher = create_dispatcher(self.settings, redis)
        ticks = itertools.count(0, 1000)  # limiter time leaps: pacing never sleeps in tests
        self.sender = MessengerSender(
            max_delivery.MaxPlatform(), self.bot, MemoryLimiter(now=lambda: next(ticks))
        )
        max_delivery.setup(self.sender)

    async def feed(self, update: dict[str, Any]) -> None:
        await feed_max_update(self.dp, self.bot, update)

    async def start(self, payload: str | None = None, chat: int = CHAT, **kw: Any) -> None:
        kw.setdefault("first_name", "Ann")
        await self.feed(self.mx.updates.bot_started(chat, chat, payload, **kw))

    async def say(
        self, text: str | None, chat: int = CHAT, attachments: list[Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        kw.setdefault("first_name", "Ann")
        update = self.mx.updates.message_created(chat, chat, text, attachments, **kw)
        await self.feed(update)
        return update

    def screen(self, chat: int = CHAT) -> dict[str, Any]:
        """The newest bot message in the chat (edits applied)."""
        messages = self.mx.messages_in(chat)
        assert messages, "the bot sent nothing"
        return messages[-1]

    def text(self, chat: int = CHAT) -> str:
        return (self.screen(chat).get("body") or {}).get("text") or ""

    def labels(self, chat: int = CHAT) -> list[str]:
        return [b["text"] for b in buttons_of(self.screen(chat))]

    async def click(self, label: str, chat: int = CHAT, **kw: Any) -> None:
        """Press the button with this label on the newest message that has it."""
        kw.setdefault("first_name", "Ann")
        for message in reversed(self.mx.messages_in(chat)):
            for b in buttons_of(message):
                if b["text"] == label:
                    mid = message["body"]["mid"]
                    update = self.mx.updates.message_callback(
                        chat, chat, b["payload"], mid=mid, **kw
                    )
                    await self.feed(update)
                    return
        raise AssertionError(f"no button {label!r}; screen: {self.text(chat)!r}")

    async def press(self, action: str, arg: str | None = None, chat: int = CHAT) -> None:
        """A button press with a payload of our own making (stale or forged buttons)."""
        await self.press_raw(Nav(action=action, arg=arg).pack(), chat)

    async def press_raw(self, payload: str, chat: int = CHAT) -> None:
        """A press with this payload on the newest bot message."""
        mid = self.screen(chat)["body"]["mid"]
        await self.feed(self.mx.updates.message_callback(chat, chat, payload, mid=mid))

    async def drain(self) -> int:
        total = 0
        while processed := await self.sender.run_once():
            total += processed
        return total


@pytest.fixture(name="mx")
async def mx_fixture() -> AsyncIterator[FakeMax]:
    async with FakeMax() as server:
        yield server


@pytest.fixture(name="menv")
async def menv_fixture(mx: FakeMax, project: Project) -> AsyncIterator[MaxEnv]:
    env = MaxEnv(mx, project)
    yield env
    await env.dp.shutdown()
