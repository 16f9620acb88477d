"""Dialog tests: the real Dispatcher from the factory, aiogram-dialog's test tools, a real DB."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SetMessageReaction, TelegramMethod
from aiogram.types import Chat, Document, Message, PhotoSize, Update, User, Voice
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.bot_client import FakeBot
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.telegram.factory import create_dispatcher
from helpdesk.settings import Settings

CHAT_ID = 5001


class ReceiptBot(FakeBot):
    """The test tools' bot, which also takes reactions (the thread's receipts) and keeps them
    as (message_id, emoji); any other call still fails as in `FakeBot`."""

    def __init__(self) -> None:
        self.reactions: list[tuple[int, str]] = []
        self.refuse = False  # answer reactions as Telegram does where they are not allowed

    async def __call__(
        self, method: TelegramMethod[Any], request_timeout: int | None = None
    ) -> Any:
        if isinstance(method, SetMessageReaction):
            if self.refuse:
                raise TelegramBadRequest(method, "Bad Request: REACTION_INVALID")
            for reaction in method.reaction or []:
                self.reactions.append((method.message_id, reaction.emoji))  # type: ignore[union-attr]
            return True
        return await super().__call__(method, request_timeout)


class Customer:
    """One Telegram customer talking to a freshly built bot."""

    def __init__(self, dp: Dispatcher, mm: MockMessageManager, user: User) -> None:
        self.dp = dp
        self.mm = mm
        self.bot = ReceiptBot()
        self.client = BotClient(dp, user_id=user.id, chat_id=user.id, bot=self.bot)
        self.client.user = user
        self._ids = itertools.count(10_000)
        self._window: Message | None = None

    # --- sending ---
    async def send(self, text: str) -> None:
        self._keep_window()
        await self.client.send(text)

    async def send_message(self, **content: Any) -> Message:
        """A message with media (photo, document, voice, ...), fed like a real update."""
        self._keep_window()
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
        return message

    async def send_photo(
        self, caption: str | None = None, media_group_id: str | None = None
    ) -> Message:
        photo = [
            PhotoSize(file_id="small", file_unique_id="s", width=90, height=90),
            PhotoSize(file_id=f"big{next(self._ids)}", file_unique_id="b", width=900, height=900),
        ]
        return await self.send_message(photo=photo, caption=caption, media_group_id=media_group_id)

    async def send_document(self, name: str = "log.txt") -> None:
        doc = Document(file_id="doc1", file_unique_id="d1", file_name=name, file_size=12)
        await self.send_message(document=doc)

    async def send_voice(self) -> None:
        await self.send_message(voice=Voice(file_id="v1", file_unique_id="v1", duration=3))

    async def click(self, pattern: str, message: Message | None = None) -> None:
        target = message or self.last()
        self._keep_window()
        await self.client.click(target, InlineButtonTextLocator(pattern))

    def _keep_window(self) -> None:
        # an update may send nothing (a thread message gets a receipt): the window on screen
        # is then still the one sent before
        if self.mm.sent_messages:
            self._window = self.mm.last_message()
        self.mm.reset_history()

    # --- reading ---
    def last(self) -> Message:
        """The newest message the bot sent (this update's, or the one still on screen)."""
        if self.mm.sent_messages:
            return self.mm.last_message()
        if self._window is None:
            raise AssertionError("the bot has sent nothing yet")
        return self._window

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
