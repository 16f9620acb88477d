"""Renders `agent_event` outbound rows in the agent group, and heals its topics.

One `AgentChatPublisher` per row, given the sender's job: `handle(outbound)` is the delivery
handler of the `agent_event` kind; `on_topic_error(outbound, kind)` is the sender's
topic-repair hook and `on_migrated(outbound, chat_id)` its group→supergroup hook.
Sends that hit a deleted or closed topic repair it and are sent again, so nothing is lost.

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

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile
from aiogram.types import Message as TgMessage

from bot.desk_text import rating_text, sla_alert_text
from bot.telegram.agent_group.render import (
    attachment_label,
    card_keyboard,
    card_text,
    customer_name,
    sla_mark,
    topic_name,
)
from delivery.files import TooLarge, fetch_max_file, size_text, telegram_method
from delivery.telegram import (
    CAPTIONLESS,
    MEDIA_METHODS,
    TEXT_LIMIT,
    TopicError,
    topic_error,
)
from delivery.text import split_text, utf16_len
from models import Message, OutboundMessage, Project, Ticket
from models.enums import Author, MessageSource, TicketStatus
from services import agent_chat, agent_chat_edits, agent_chat_events, ratings
from services.i18n import Translator, translator
from services.sla_timers import SLA_ALERT

log = logging.getLogger(__name__)

# events that change only what the ticket card shows (type_changed: set from the console)
CARD_EVENTS = ("status_changed", "assigned", "priority_changed", "type_changed")
_NOT_MODIFIED = ("message is not modified", "topic_not_modified")

Send = Callable[[int | None], Awaitable[TgMessage]]


class StepJob(Protocol):
    """The part of the sender's `SendJob` used here (delivery/sender.py)."""

    async def step(
        self, name: str, call: Callable[[], Awaitable[Any]], extract: Callable[[Any], Any]
    ) -> Any: ...


def _message_id(message: TgMessage) -> int:
    return int(message.message_id)


def _thread_id(topic: Any) -> int:
    return int(topic.message_thread_id)


def _not_modified(error: TelegramBadRequest) -> bool:
    return any(marker in error.message.lower() for marker in _NOT_MODIFIED)


Media = Callable[[], Awaitable[tuple[str, Any]]]  # → (kind to send as, file id or upload)


def _by_file_id(item: dict[str, Any], kind: str) -> Media:
    async def media() -> tuple[str, Any]:
        return kind, item["file_id"]

    return media


def _max_upload(item: dict[str, Any], kind: str) -> Media:
    """An image as a photo, anything else as a document (within the bot upload limit)."""

    async def media() -> tuple[str, Any]:
        fetched = await fetch_max_file(item)
        file = BufferedInputFile(fetched.content, filename=fetched.name)
        return telegram_method(kind, len(fetched.content)), file

    return media


def _max_file_notice(error: Exception) -> str:
    """Over the upload limit, or gone from MAX (4xx): a notice; a 5xx is retried."""
    if isinstance(error, aiohttp.ClientResponseError):
        if error.status >= 500:
            raise error
        return "agent-relay-max-file-failed"
    return "agent-relay-max-file-too-big"


class AgentChatPublisher:
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

    # --- the delivery entry points ---------------------------------------------------

    async def on_migrated(self, outbound: OutboundMessage, new_chat_id: int) -> None:
        """The group became a supergroup: the binding moves; the sender sends the row again."""
        loaded = await self._load(outbound)
        old_chat_id = loaded[1].agent_chat_id if loaded else outbound.chat_id
        assert old_chat_id is not None
        await agent_chat.migrate_chat(old_chat_id, new_chat_id)

    async def on_topic_error(self, outbound: OutboundMessage, error: TopicError) -> int | None:
        """The sender met a deleted/closed topic: repair it, return the thread to use now."""
        loaded = await self._load(outbound)
        if loaded is None:
            return None
        ticket, project = loaded
        await self._repair(ticket, project, error, exclude=outbound.message_id)
        return ticket.agent_topic_id

    # --- events ------------------------------------------------------------------------

    async def _load(self, outbound: OutboundMessage) -> tuple[Ticket, Project] | None:
        ticket_id = (outbound.payload or {}).get("ticket_id") or outbound.ticket_id
        context = await agent_chat_events.event_context(ticket_id, None)
        return (context.ticket, context.project) if context else None

    async def handle(self, outbound: OutboundMessage) -> dict[str, Any]:
        payload = outbound.payload or {}
        context = await agent_chat_events.event_context(
            payload.get("ticket_id") or outbound.ticket_id, payload.get("message_id")
        )
        if context is None:
            return {"skipped": "no bound agent chat or no ticket"}
        ticket, project, message = context.ticket, context.project, context.message
        event = payload.get("event")
        created = await self._ensure_place(ticket, project)
        sent: int | None = None
        if event in ("ticket_created", "customer_message") and message is not None:
            sent = await self._relay_customer(ticket, project, message)
        elif event == "agent_reply" and message is not None:
            sent = await self._relay_outside_reply(ticket, project, message)
        elif event in CARD_EVENTS and not created:
            await self.refresh_card(ticket, project)
            if event == "status_changed":
                await self._sync_topic_state(ticket, project, payload)
        elif event == SLA_ALERT and not created:
            sent = await self._sla_alert(ticket, project, payload)
        elif event == SLA_ALERT:
            sent = await self._post_text(
                ticket, project, self._alert_text(ticket, payload), key="sla"
            )
        elif event == "customer_blocked":
            sent = await self._post_text(
                ticket, project, self.t("agent-relay-blocked"), key="blocked"
            )
        elif event == agent_chat_edits.CUSTOMER_EDITED and message is not None:
            sent = await self._relay_customer_edit(ticket, project, message)
        elif event in (ratings.RATED_EVENT, ratings.COMMENTED_EVENT):
            sent = await self._post_rating(ticket, project, event, payload)
        return {
            "chat_id": project.agent_chat_id,
            "thread_id": ticket.agent_topic_id,
            "card_message_id": ticket.agent_card_message_id,
            "message_id": sent,
            "topic_created": created,
        }

    async def _post_rating(
        self, ticket: Ticket, project: Project, event: str, payload: dict[str, Any]
    ) -> int:
        """The customer's rating, or their comment on it, as a line in the topic. A closed
        ticket's topic is closed: the send reopens it (the topic repair), so it is closed
        again after the line is in."""
        text = rating_text(event == ratings.RATED_EVENT, payload, self.t)
        sent = await self._post_text(ticket, project, text, key=event)
        topic = ticket.agent_topic_id
        if ticket.status == TicketStatus.CLOSED and project.agent_chat_is_forum and topic:
            await self._topic_call(self.bot.close_forum_topic, project.agent_chat_id, topic)
        return sent

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

    # --- service levels ----------------------------------------------------------------

    def _alert_text(self, ticket: Ticket, payload: dict[str, Any]) -> str:
        return sla_alert_text(ticket, payload, self.t)

    async def _sla_alert(self, ticket: Ticket, project: Project, payload: dict[str, Any]) -> int:
        """A warning or breach: a line in the topic, the topic's mark and the card."""
        sent = await self._post_text(ticket, project, self._alert_text(ticket, payload), key="sla")
        await self._rename_topic(ticket, project)
        await self.refresh_card(ticket, project)
        return sent

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

    async def _relay_customer(
        self, ticket: Ticket, project: Project, message: Message
    ) -> int | None:
        """A customer message: its text, then its media by file id (a notice for MAX files)."""
        who = customer_name(ticket, self.t)
        first: int | None = None
        if message.text:
            first = await self._post_text(
                ticket,
                project,
                self.t("agent-relay-customer", customer=who, text=message.text),
                key="text",
                exclude=message.id,
            )
        for index, item in enumerate(message.attachments or []):
            sent = await self._relay_attachment(
                ticket, project, message, item, who, key=f"attachment:{index}"
            )
            first = first or sent
        if first is not None:
            await agent_chat_events.record_relay(message.id, first)
        return first

    async def _relay_attachment(
        self,
        ticket: Ticket,
        project: Project,
        message: Message,
        item: dict[str, Any],
        who: str,
        *,
        key: str,
    ) -> int:
        """By file id when Telegram knows the file; a MAX customer's file downloaded from
        MAX and uploaded here (Telegram cannot use MAX tokens); else a notice."""
        kind, name = attachment_label(item)
        caption = self.t("agent-relay-customer-media", customer=who, kind=kind, name=name)
        from_max = message.source == MessageSource.MAX
        if from_max and item.get("url"):
            media = _max_upload(item, kind)
        elif not from_max and kind in MEDIA_METHODS and item.get("file_id"):
            media = _by_file_id(item, kind)
        else:
            text = self.t("agent-relay-max-attachment", customer=who, kind=kind, name=name)
            return await self._post_text(ticket, project, text, key=key, exclude=message.id)
        try:
            return await self._send_media(ticket, project, message, caption, media, key)
        except (TooLarge, aiohttp.ClientResponseError) as error:
            notice = _max_file_notice(error)  # only a MAX upload raises these
            size = item.get("size")
            if isinstance(error, TooLarge):
                size = error.size or size
        text = self.t(
            notice,
            customer=who,
            kind=kind,
            name=item.get("name") or kind,
            size=size_text(size if isinstance(size, int) else None, self.t),
        )
        return await self._post_text(ticket, project, text, key=key, exclude=message.id)

    async def _send_media(
        self,
        ticket: Ticket,
        project: Project,
        message: Message,
        caption: str,
        media: Media,
        key: str,
    ) -> int:
        """`media()` → (kind, file id or upload), asked on each try; sent with its method."""
        chat_id = project.agent_chat_id

        async def send(thread_id: int | None) -> TgMessage:
            kind, file = await media()
            method, argument = MEDIA_METHODS[kind]
            extra: dict[str, Any] = {} if kind in CAPTIONLESS else {"caption": caption}
            return await getattr(self.bot, method)(
                chat_id, **{argument: file}, message_thread_id=thread_id, **extra
            )

        return await self._send(ticket, project, key, send, message.id)

    async def _relay_outside_reply(self, ticket: Ticket, project: Project, message: Message) -> int:
        """A reply written outside the group (REST, the web console): shown, marked with
        where it was written."""
        agent = message.agent.name if message.agent else self.t("agent-api")
        where = "console" if message.source == MessageSource.CONSOLE else "api"
        key = f"agent-relay-{where}-note" if message.internal else f"agent-relay-{where}-reply"
        text = self.t(key, agent=agent, text=message.text or "…")
        sent = await self._post_text(ticket, project, text, key="reply", exclude=message.id)
        await agent_chat_events.record_relay(message.id, sent)
        return sent

    async def _relay_customer_edit(self, ticket: Ticket, project: Project, message: Message) -> int:
        text = self.t(
            "agent-relay-customer-edited", customer=customer_name(ticket, self.t), text=message.text
        )
        return await self._post_text(
            ticket,
            project,
            text,
            key="edited",
            exclude=message.id,
            reply_to=message.agent_chat_message_id,
        )
