"""Magic filters checked on the event loop.

aiogram 3.31 calls a filter that is not a coroutine function through `asyncio.to_thread`, and a
bare `F` expression is such a filter (`MagicFilter.resolve`): each router-level `F.chat.type`
check cost a hop to the thread pool and back on every update (two per customer message, ~10 %
of the bot's CPU in `bench/bot.py`, more in latency on busy cores). `Magic(F...)` resolves the
same expression inline; its result is used like aiogram's (falsy = no match, a dict is merged
into the handler's data).
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)

    def __str__(self) -> str:
        return f"Magic({self.magic!r})"
