"""The ticket's place in the agent group: its forum topic and card, and sending into it.

`TicketPlace` opens the place (topic, then card), keeps the card and the topic's name and
state in step with the ticket, and repairs a deleted or closed topic (a new topic with the
card and a short history, or the topic reopened); a send that hit such a topic is sent again,
so nothing is lost. `AgentChatPublisher` (publisher.py) builds on it to render the events.

Every message-creating call (topic, card, text part, media, history part) is a `job.step` of
the sender: its result is saved before the next call, and a retry of the row after a partial
send (a long text in parts, a text then photos) returns the saved result instead of sending
again. Step names carry the chat and thread they went to, so a repaired (new) topic or a
migrated chat gets its own sends. Edits, closes and reopens are idempotent by nature (a repeat
answers "not modified") and are not steps.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message as TgMessage

from bot.telegram.agent_group.render import (
    attachment_label,
    card_keyboard,
    card_text,
    customer_name,
    sla_mark,
    topic_name,
)
from delivery.telegram import TEXT_LIMIT, TopicError, topic_error
from delivery.text import split_text, utf16_len
from models import Project, Ticket
from models.enums import Author, TicketStatus
from services import agent_chat, agent_chat_events
from services.i18n import Translator, translator

log = logging.getLogger(__name__)

_NOT_MODIFIED = ("message is not modified", "topic_not_modified")

Send = Callable[[int | None], Awaitable[TgMessage]]


class StepJob(Protocol):
    """The part of the sender's `SendJob` used here (delivery/send_job.py)."""

    async def step(
        self, name: str, call: Callable[[], Awaitable[Any]], extract: Callable[[Any], Any]
    ) -> Any: ...


def _message_id(message: TgMessage) -> int:
    return int(message.message_id)


def _thread_id(topic: Any) -> int:
    return int(topic.message_thread_id)


def _not_modified(error: TelegramBadRequest) -> bool:
    return any(marker in error.message.lower() for marker in _NOT_MODIFIED)


class TicketPlace:
    """The ticket's topic and card in the bound chat, and the sends into that topic."""

    def __init__(self, bot: Bot, locale: str = "en", job: StepJob | None = None) -> None:
        """`job`: the sender's job of the row being sent (its steps are recorded and paced);
        None for the repair hooks, which run inside that job's fault handling."""
        self.job = job
        self.bot: Any = bot
        self.t: Translator = translator(locale)

    async def _step(self, name: str, call: Callable[[], Awaitable[Any]], extract: Any) -> Any:
        """One message-creating call, done at most once per outbound row (see module doc)."""
        if self.job is not None:
            return await self.job.step(name, call, extract)
        return extract(await call())

    # --- topic and card ----------------------------------------------------------------

    def _placed(self, ticket: Ticket, project: Project) -> bool:
        if ticket.agent_chat_id != project.agent_chat_id or not ticket.agent_card_message_id:
            return False
        return ticket.agent_topic_id is not None or not project.agent_chat_is_forum

    async def _ensure_place(self, ticket: Ticket, project: Project) -> bool:
        """The ticket's topic (forum) and card exist in the bound chat; True if just made."""
        if self._placed(ticket, project):
            return False
        await self._open_place(ticket, project, replacing=None)
        return True

    async def _open_place(self, ticket: Ticket, project: Project, replacing: int | None) -> None:
        """`replacing`: the deleted topic this place replaces (names the topic step)."""
        assert project.agent_chat_id is not None
        chat_id = project.agent_chat_id
        thread_id: int | None = None
        if project.agent_chat_is_forum and ticket.agent_chat_id == chat_id:
            thread_id = ticket.agent_topic_id  # made by an attempt that failed before the card
        if project.agent_chat_is_forum and thread_id is None:
            try:
                name = topic_name(ticket, self.t)
                thread_id = await self._step(
                    f"topic@{chat_id}:{replacing}",
                    partial(self.bot.create_forum_topic, chat_id, name),
                    _thread_id,
                )
                # recorded at once: a retry after a failed card send reuses this topic
                await agent_chat_events.record_topic(ticket, chat_id, thread_id, None)
            except TelegramBadRequest as error:
                if "not a forum" not in error.message.lower():
                    raise
                await agent_chat.set_forum(project, False)  # topics were switched off
        card = await self._step(
            f"card@{chat_id}:{thread_id}",
            partial(
                self.bot.send_message,
                chat_id,
                card_text(ticket, self.t),
                message_thread_id=thread_id,
                reply_markup=card_keyboard(ticket, self.t),
            ),
            _message_id,
        )
        await agent_chat_events.record_topic(ticket, chat_id, thread_id, card)
        if thread_id is not None and ticket.status == TicketStatus.CLOSED:
            await self._topic_call(self.bot.close_forum_topic, chat_id, thread_id)

    async def refresh_card(self, ticket: Ticket, project: Project) -> None:
        """Edit the card to the ticket's current state (a new card if the old one is gone)."""
        assert project.agent_chat_id is not None and ticket.agent_card_message_id
        try:
            await self.bot.edit_message_text(
                text=card_text(ticket, self.t),
                chat_id=project.agent_chat_id,
                message_id=ticket.agent_card_message_id,
                reply_markup=card_keyboard(ticket, self.t),
            )
        except TelegramBadRequest as error:
            if _not_modified(error):
                return
            if "message to edit not found" not in error.message.lower():
                raise
            card = await self._send(ticket, project, "card", self._card_sender(ticket, project))
            await agent_chat_events.record_card(ticket, card)

    def _card_sender(self, ticket: Ticket, project: Project) -> Send:
        assert project.agent_chat_id is not None
        chat_id = project.agent_chat_id

        async def send(thread_id: int | None) -> TgMessage:
            return await self.bot.send_message(
                chat_id,
                card_text(ticket, self.t),
                message_thread_id=thread_id,
                reply_markup=card_keyboard(ticket, self.t),
            )

        return send

    async def _sync_topic_state(
        self, ticket: Ticket, project: Project, event: dict[str, Any]
    ) -> None:
        """Closing or reopening the ticket renames and closes/reopens its topic; under service
        levels every status change renames it (its mark)."""
        if not project.agent_chat_is_forum or ticket.agent_topic_id is None:
            return
        if not await agent_chat_events.closed_state_changed(ticket, event):
            await self._rename_topic(ticket, project)
            return
        chat_id, thread_id = project.agent_chat_id, ticket.agent_topic_id
        try:
            await self._topic_call(
                self.bot.edit_forum_topic, chat_id, thread_id, name=topic_name(ticket, self.t)
            )
            if ticket.status == TicketStatus.CLOSED:
                await self._topic_call(self.bot.close_forum_topic, chat_id, thread_id)
            else:
                await self._topic_call(self.bot.reopen_forum_topic, chat_id, thread_id)
        except TelegramBadRequest as error:
            if topic_error(error) is not TopicError.GONE:
                raise
            await self._repair(ticket, project, TopicError.GONE)

    async def _rename_topic(self, ticket: Ticket, project: Project) -> None:
        """The topic's name as it should read now (a no-op without service levels: the
        name only changes on closing, handled by `_sync_topic_state`)."""
        if (
            sla_mark(ticket, self.t) is None
            or not project.agent_chat_is_forum
            or ticket.agent_topic_id is None
        ):
            return
        try:
            await self._topic_call(
                self.bot.edit_forum_topic,
                project.agent_chat_id,
                ticket.agent_topic_id,
                name=topic_name(ticket, self.t),
            )
        except TelegramBadRequest as error:
            if topic_error(error) is not TopicError.GONE:
                raise
            await self._repair(ticket, project, TopicError.GONE)

    async def _topic_call(
        self, method: Callable[..., Awaitable[Any]], *args: Any, **kw: Any
    ) -> None:
        try:
            await method(*args, **kw)
        except TelegramBadRequest as error:
            if not _not_modified(error):
                raise

    async def _repair(
        self, ticket: Ticket, project: Project, kind: TopicError, *, exclude: Any = None
    ) -> None:
        """Deleted topic → a new one with the card and a short history; closed → reopened."""
        assert project.agent_chat_id is not None
        if kind is TopicError.CLOSED and ticket.agent_topic_id is not None:
            try:
                await self._topic_call(
                    self.bot.reopen_forum_topic, project.agent_chat_id, ticket.agent_topic_id
                )
                return
            except TelegramBadRequest as error:
                if topic_error(error) is not TopicError.GONE:
                    raise
        log.info("agent topic of ticket %s is gone: recreating it", ticket.id)
        gone = ticket.agent_topic_id
        await agent_chat_events.record_topic(ticket, project.agent_chat_id, None, None)
        await self._open_place(ticket, project, replacing=gone)
        if ticket.status == TicketStatus.CLOSED and ticket.agent_topic_id is not None:
            # a closed ticket's topic was just closed again: history goes in before that
            await self._topic_call(
                self.bot.reopen_forum_topic, project.agent_chat_id, ticket.agent_topic_id
            )
        await self._post_history(ticket, project, exclude)

    async def _post_history(self, ticket: Ticket, project: Project, exclude: Any) -> None:
        messages = await agent_chat_events.history(ticket, before=exclude)
        if not messages:
            return
        lines = [self.t("agent-relay-history")]
        for item in messages:
            author = (
                customer_name(ticket, self.t)
                if item.author == Author.CUSTOMER
                else self.t("agent-history-agent")
            )
            text = item.text or " ".join(
                "".join(attachment_label(a)) for a in item.attachments or []
            )
            lines.append(self.t("agent-history-line", author=author, text=text[:500]))
        chat_id, thread_id = project.agent_chat_id or 0, ticket.agent_topic_id
        for index, part in enumerate(split_text("\n".join(lines), TEXT_LIMIT, utf16_len)):
            await self._step(
                f"history:{index}@{chat_id}:{thread_id}",
                partial(self.bot.send_message, chat_id, part, message_thread_id=thread_id),
                _message_id,
            )

    # --- sending into the ticket's place ------------------------------------------------

    async def _send(
        self, ticket: Ticket, project: Project, key: str, send: Send, exclude: Any = None
    ) -> int:
        """Send in the ticket's topic (step `key`); a deleted/closed topic is repaired and
        the send redone. Returns the sent message's id."""
        thread = ticket.agent_topic_id if project.agent_chat_is_forum else None
        chat_id = project.agent_chat_id
        try:
            return int(
                await self._step(f"{key}@{chat_id}:{thread}", partial(send, thread), _message_id)
            )
        except TelegramBadRequest as error:
            kind = topic_error(error)
            if kind is None or not project.agent_chat_is_forum:
                raise
        await self._repair(ticket, project, kind, exclude=exclude)
        thread = ticket.agent_topic_id
        return int(
            await self._step(f"{key}@{chat_id}:{thread}", partial(send, thread), _message_id)
        )

    async def _post_text(
        self,
        ticket: Ticket,
        project: Project,
        text: str,
        *,
        key: str,
        exclude: Any = None,
        reply_to: int | None = None,
    ) -> int:
        chat_id = project.agent_chat_id or 0
        first: int | None = None
        for index, part in enumerate(split_text(text, TEXT_LIMIT, utf16_len)):

            async def send(thread_id: int | None, part: str = part) -> TgMessage:
                return await self.bot.send_message(
                    chat_id,
                    part,
                    message_thread_id=thread_id,
                    reply_to_message_id=reply_to,
                    allow_sending_without_reply=True,
                )

            sent = await self._send(ticket, project, f"{key}:{index}", send, exclude)
            first = first or sent
        assert first is not None
        return first
