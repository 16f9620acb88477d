"""Renders `agent_event` outbound rows in the agent group.

One `AgentChatPublisher` per row, given the sender's job: `handle(outbound)` is the delivery
handler of the `agent_event` kind; `on_topic_error(outbound, kind)` is the sender's
topic-repair hook and `on_migrated(outbound, chat_id)` its group→supergroup hook. The
ticket's topic and card, their repair and the sends into the topic (each a `job.step` of the
sender) are `TicketPlace` (place.py), which the publisher builds on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiogram.types import BufferedInputFile
from aiogram.types import Message as TgMessage

from bot.desk_text import rating_text, sla_alert_text
from bot.telegram.agent_group.render import attachment_label, customer_name
from delivery.files import TooLarge, fetch_max_file, size_text, telegram_method
from delivery.telegram import CAPTIONLESS, MEDIA_METHODS, TopicError
from delivery.telegram_agent_chat.place import TicketPlace
from models import Message, OutboundMessage, Project, Ticket
from models.enums import MessageSource, TicketStatus
from services import agent_chat, agent_chat_edits, agent_chat_events, ratings
from services.sla_timers import SLA_ALERT

# events that change only what the ticket card shows (type_changed: set from the console)
CARD_EVENTS = ("status_changed", "assigned", "priority_changed", "type_changed")

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


class AgentChatPublisher(TicketPlace):
    """Renders one `agent_event` row (the events, relayed messages, alerts) in its place."""

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

    # --- service levels ----------------------------------------------------------------

    def _alert_text(self, ticket: Ticket, payload: dict[str, Any]) -> str:
        return sla_alert_text(ticket, payload, self.t)

    async def _sla_alert(self, ticket: Ticket, project: Project, payload: dict[str, Any]) -> int:
        """A warning or breach: a line in the topic, the topic's mark and the card."""
        sent = await self._post_text(ticket, project, self._alert_text(ticket, payload), key="sla")
        await self._rename_topic(ticket, project)
        await self.refresh_card(ticket, project)
        return sent

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
