"""Dialog tests: the real Dispatcher from the factory, aiogram-dialog's test tools, a real DB."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.types import Chat, Document, Message, PhotoSize, Update, User, Voice
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.telegram.factory import create_dispatcher
from helpdesk.settings import Settings

CHAT_ID = 5001


class Customer:
    """One Telegram customer talking to a freshly built bot."""

    def __init__(self, dp: Dispatcher, mm: MockMessageManager, user: User) -> None:
        self.dp = dp
        self.mm = mm
        self.client = BotClient(dp, user_id=user.id, chat_id=user.id)
        self.client.user = user
        self._ids = itertools.count(10_000)

    # --- sending ---
    async def send(self, text: str) -> None:
        self.mm.reset_history()
        await self.client.send(text)

    async def send_message(self, **content: Any) -> None:
        """A message with media (photo, document, voice, ...), fed like a real update."""
        self.mm.reset_history()
        message = Message(
            message_id=next(self._ids),
            date=datetime.fromtimestamp(1_700_000_000),
            chat=self.client.chat,
            from_user=self.client.user,
            **content,
        )
        await self.dp.feed_update(
            self.client.bot, Update(update_id=next(self._ids), message=message)
        )

    async def send_photo(self, caption: str | None = None, media_group_id: str | None = None):
        photo = [
            PhotoSize(file_id="small", file_unique_id="s", width=90, height=90),
            PhotoSize(file_id=f"big{next(self._ids)}", file_unique_id="b", width=900, height=900),
        ]
        await self.send_message(photo=photo, caption=caption, media_group_id=media_group_id)

    async def send_document(self, name: str = "log.txt") -> None:
        doc = Document(file_id="doc1", file_unique_id="d1", file_name=name, file_size=12)
        await self.send_message(document=doc)

    async def send_voice(self) -> None:
        await self.send_message(voice=Voice(file_id="v1", file_unique_id="v1", duration=3))

    async def click(self, pattern: str, message: Message | None = None) -> None:
        target = message or self.last()
        self.mm.reset_history()
        await self.client.click(target, InlineButtonTextLocator(pattern))

    # --- reading ---
    def last(self) -> Message:
        return self.mm.last_message()

    def text(self) -> str:
        message = self.last()
        return message.text or message.caption or ""

    def buttons(self, message: Message | None = None) -> list[str]:
        markup = (message or self.last()).reply_markup
        if markup is None:
            return []
        return [b.text for row in markup.inline_keyboard for b in row]

    def has_button(self, pattern: str) -> bool:
        return any(re.fullmatch(pattern, b) for b in self.buttons())


def make_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def bot_dp() -> tuple[Dispatcher, MockMessageManager]:
    mm = MockMessageManager()
    dp, _ = create_dispatcher(make_settings(), JsonMemoryStorage(), message_manager=mm)
    return dp, mm


def new_user(user_id: int = CHAT_ID, language: str | None = "en") -> User:
    return User(
        id=user_id,
        is_bot=False,
        first_name="Ann",
        last_name="Lee",
        username="ann",
        language_code=language,
    )


@pytest.fixture
def customer(db: str, bot_dp: tuple[Dispatcher, MockMessageManager]) -> Customer:
    dp, mm = bot_dp
    return Customer(dp, mm, new_user())


@pytest.fixture
def chat() -> Chat:
    return Chat(id=CHAT_ID, type="private")
