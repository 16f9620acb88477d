"""What a kind handler of the sender works with: `SendJob`, the row being sent, the bot, and
rate-limited idempotent calls (`delivery.sender` drains the rows and calls the handlers).

Each call is a *step* whose result is saved before the next one, so a retry after partial
success (a long text sent in parts, a text followed by photos) never repeats what already
went out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from delivery.limits import acquire
from delivery.text import next_chunk
from models import OutboundMessage
from services import outbound

if TYPE_CHECKING:
    from delivery.sender import MessengerSender

T = TypeVar("T")


class SendJob:
    """What a kind handler gets: the row, the bot, and rate-limited idempotent steps."""

    def __init__(self, sender: MessengerSender, message: OutboundMessage) -> None:
        self.sender = sender
        self.message = message
        self.bot = sender.bot
        self.platform = sender.platform
        result = message.result if isinstance(message.result, dict) else {}
        self.progress: dict[str, Any] = dict(result)

    @property
    def chat_id(self) -> int:
        return self.message.chat_id

    @property
    def payload(self) -> dict[str, Any]:
        return self.message.payload

    @property
    def text_limit(self) -> int:
        return int(self.progress.get("text_limit", self.platform.text_limit))

    @property
    def caption_limit(self) -> int:
        return int(self.progress.get("caption_limit", self.platform.caption_limit))

    def fits_caption(self, text: str) -> bool:
        return self.platform.measure(text) <= self.caption_limit

    async def throttle(self) -> None:
        await acquire(self.sender.limiter, self.platform.limits_for(self.chat_id))

    async def _paced(self, call: Callable[[], Awaitable[T]]) -> T:
        """The call within the limits; the global window counts it until it has its answer."""
        slot = await acquire(
            self.sender.limiter, self.platform.limits_for(self.chat_id), track=True
        )
        try:
            return await call()
        finally:
            slot.finished()

    async def save(self) -> None:
        await outbound.save_progress(self.message.id, self.progress)

    async def step(
        self,
        name: str,
        call: Callable[[], Awaitable[T]],
        extract: Callable[[T], Any] = lambda _: True,
        *,
        final: bool = False,
    ) -> Any:
        """One platform call, done at most once per row: its result is saved before the
        next step runs, and a retry returns the saved result instead of calling again.

        `final=True`: the handler returns as soon as this step is done, so the sender's
        "sent" mark is the record of it (one write after the platform's answer, not two:
        under a burst of sends, the fewer writes queued, the sooner each answer is on disk).
        """
        steps: dict[str, Any] = self.progress.setdefault("steps", {})
        if name in steps:
            return steps[name]
        value = extract(await self._paced(call))
        steps[name] = value
        if not final:
            await self.save()
        return value

    async def send_text(
        self,
        text: str,
        send: Callable[[str, bool], Awaitable[T]],
        extract: Callable[[T], Any],
        *,
        final: bool = False,
    ) -> list[Any]:
        """Send `text` in parts that fit (paragraph, line, word, then hard cuts), in order.

        A cursor into the text is saved after each part; after a "too long" refusal the
        limit is halved and sending goes on from the cursor, never repeating a part.
        `send(part, is_last)` makes the call for one part. `final`: as for `step`, the last
        part is recorded by the "sent" mark that follows at once.
        """
        offset = int(self.progress.get("text_offset", 0))
        ids: list[Any] = self.progress.setdefault("text_ids", [])
        while offset < len(text):
            part, used = next_chunk(text[offset:], self.text_limit, self.platform.measure)
            last = offset + used >= len(text)
            if part:
                ids.append(extract(await self._paced(partial(send, part, last))))
            offset += used
            self.progress["text_offset"] = offset
            if not (last and final):
                await self.save()
        return ids
