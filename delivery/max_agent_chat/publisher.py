"""Renders `agent_event` outbound rows in a MAX agent chat (a group chat without topics).

Each ticket has a card (`bot/max/agent_chat/card.py`), edited in place when the ticket
changes; everything else about the ticket — each customer message with its files, answers
written elsewhere, edits, a blocked customer — is posted as a reply to that card, prefixed
with the ticket number and the customer's name. Every post is recorded
(`services.agent_chat_posts`), so an agent's reply to any of them finds the ticket.

Every message-creating call is a `job.step` of the MAX sender: paced by the shared limiter
within MAX's rate limit and done at most once per row (a retry returns the saved result).
Card edits are idempotent and paced with `job.throttle()`.

Faults: a card deleted in the chat (seen as a `message_removed` update, or an edit answered
404) is posted again with a short history on the next event; the bot removed from the chat
(403) marks the project's agent chat lost and the row waits in the outbox (`AgentChatLost`
is a transient fault for the sender) until the bot is back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from maxapi import Bot
from maxapi.enums.message_link_type import MessageLinkType
from maxapi.exceptions.max import MaxApiError
from maxapi.types.message import NewMessageLink

from bot.desk_text import attachment_label, customer_name, rating_text, sla_alert_text
from bot.max.agent_chat import card
from delivery import max as max_delivery
from delivery.files import size_text
from delivery.send_job import SendJob
from delivery.text import split_text
from models import Message, OutboundMessage, Ticket
from models.enums import Author, Channel
from services import agent_chat, agent_chat_edits, agent_chat_events, agent_chat_posts, ratings
from services.i18n import Translator, translator
from services.sla_timers import SLA_ALERT

log = logging.getLogger(__name__)

TEXT_LIMIT = max_delivery.TEXT_LIMIT
HISTORY_TEXT = 300  # characters of each message in a re-posted card's history
# a file that is not a MAX token yet (a Telegram customer's): (job, item) -> MAX attachment
Transfer = Callable[[SendJob, dict[str, Any]], Awaitable[dict[str, Any] | None]]

# the events that only redraw the card (as in the Telegram agent chat)
CARD_EVENTS = ("status_changed", "assigned", "priority_changed", "type_changed")


class AgentChatLost(Exception):
    """The bot is no longer in the project's MAX agent chat: the row is tried again later."""


def _mid(sent: Any) -> str | None:
    return sent.message.body.mid if sent is not None and sent.message else None


def _gone(error: MaxApiError) -> bool:
    return error.code == 404


def _denied(error: MaxApiError) -> bool:
    """The chat refuses the bot: removed from it, or the chat is gone."""
    return error.code == 403


class MaxAgentChatPublisher:
    def __init__(self, job: SendJob, locale: str, transfer: Transfer | None = None) -> None:
        self.job = job
        self.bot: Bot = job.bot
        self.t: Translator = translator(locale)
        self.transfer = transfer

    async def handle(self, outbound: OutboundMessage) -> dict[str, Any]:
        payload = outbound.payload or {}
        context = await agent_chat_events.event_context(
            payload.get("ticket_id") or outbound.ticket_id, payload.get("message_id"), Channel.MAX
        )
        if context is None:
            return {"skipped": "no bound MAX agent chat or no ticket"}
        ticket, project, message = context.ticket, context.project, context.message
        assert project.agent_chat_id is not None
        if project.agent_chat_lost_at is not None:
            raise AgentChatLost(f"agent chat {project.agent_chat_id} is lost")
        try:
            return await self._publish(ticket, project.agent_chat_id, message, payload)
        except MaxApiError as error:
            if not _denied(error):
                raise
            await agent_chat.mark_lost(project.agent_chat_id, Channel.MAX)
            raise AgentChatLost(f"agent chat {project.agent_chat_id}: {error.raw}") from error

    async def _publish(
        self, ticket: Ticket, chat_id: int, message: Message | None, payload: dict[str, Any]
    ) -> dict[str, Any]:
        event = payload.get("event")
        card_mid, created = await self._ensure_card(ticket, chat_id, message)
        sent: str | None = None
        if event in ("ticket_created", "customer_message") and message is not None:
            sent = await self._relay_customer(ticket, chat_id, card_mid, message)
        elif event == "agent_reply" and message is not None:
            sent = await self._relay_outside_reply(ticket, chat_id, card_mid, message)
        elif event in CARD_EVENTS and not created:
            await self._refresh_card(ticket, chat_id, card_mid, message)
        elif event == SLA_ALERT:
            text = sla_alert_text(ticket, payload, self.t)
            sent = await self._post(ticket, chat_id, text, "sla", reply_to=card_mid)
            if not created:
                await self._refresh_card(ticket, chat_id, card_mid, message)
        elif event in (ratings.RATED_EVENT, ratings.COMMENTED_EVENT):
            text = rating_text(event == ratings.RATED_EVENT, payload, self.t)
            sent = await self._post(ticket, chat_id, text, event, reply_to=card_mid)
        elif event == "customer_blocked":
            text = self._line("max-agent-relay-blocked", ticket)
            sent = await self._post(ticket, chat_id, text, "blocked", reply_to=card_mid)
        elif event == agent_chat_edits.CUSTOMER_EDITED and message is not None:
            sent = await self._relay_customer_edit(ticket, chat_id, card_mid, message)
        return {"chat_id": chat_id, "card_mid": card_mid, "mid": sent, "card_posted": created}

    # --- the card ----------------------------------------------------------------------

    async def _ensure_card(
        self, ticket: Ticket, chat_id: int, message: Message | None
    ) -> tuple[str, bool]:
        """The ticket's card in the chat (mid, just posted?). A card deleted before is
        posted again, followed by a short history of the ticket."""
        mid = await agent_chat_posts.card_mid(ticket, chat_id)
        if mid is not None:
            return mid, False
        gone = await agent_chat_posts.gone_cards(ticket, chat_id)
        mid = await self.job.step(
            f"card@{chat_id}:{gone}",
            partial(
                self.bot.send_message,
                chat_id=chat_id,
                text=card.text(ticket, self.t),
                attachments=card.keyboard(ticket, self.t),
            ),
            _mid,
        )
        await agent_chat_posts.record(ticket, chat_id, mid, agent_chat_posts.CARD)
        if gone:
            await self._post_history(ticket, chat_id, mid, message)
        return mid, True

    async def _refresh_card(
        self, ticket: Ticket, chat_id: int, mid: str, message: Message | None
    ) -> None:
        """The card edited to the ticket's state; deleted meanwhile → posted again."""
        await self.job.throttle()
        try:
            await self.bot.edit_message(
                message_id=mid,
                text=card.text(ticket, self.t),
                attachments=card.keyboard(ticket, self.t),
            )
        except MaxApiError as error:
            if not _gone(error):
                raise
            await agent_chat_posts.card_removed(chat_id, mid)
            await self._ensure_card(ticket, chat_id, message)

    async def _post_history(
        self, ticket: Ticket, chat_id: int, card_mid: str, exclude: Message | None
    ) -> None:
        messages = await agent_chat_events.history(ticket, before=exclude.id if exclude else None)
        if not messages:
            return
        lines = [self.t("max-agent-relay-history", number=ticket.number)]
        for item in messages:
            author = (
                customer_name(ticket, self.t)
                if item.author == Author.CUSTOMER
                else self.t("agent-history-agent")
            )
            text = item.text or " ".join("".join(attachment_label(a)) for a in item.attachments)
            lines.append(self.t("agent-history-line", author=author, text=text[:HISTORY_TEXT]))
        await self._post(
            ticket,
            chat_id,
            "\n".join(lines),
            f"history@{card_mid}",
            reply_to=card_mid,
            kind=agent_chat_posts.HISTORY,
        )

    # --- posts under the card ------------------------------------------------------------

    def _line(self, key: str, ticket: Ticket, **args: Any) -> str:
        return self.t(key, number=ticket.number, customer=customer_name(ticket, self.t), **args)

    async def _post(
        self,
        ticket: Ticket,
        chat_id: int,
        text: str,
        key: str,
        *,
        reply_to: str | None,
        attachments: list[Any] | None = None,
        message: Message | None = None,
        kind: str = agent_chat_posts.NOTICE,
    ) -> str:
        """`text` in parts of ≤ 4000 as replies to `reply_to`, the files with the last part;
        each part one step, each recorded as a post of the ticket. Returns the first mid."""
        link = NewMessageLink(type=MessageLinkType.REPLY, mid=reply_to) if reply_to else None
        parts = split_text(text, TEXT_LIMIT, len) or [""]
        first: str | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            mid = await self.job.step(
                f"{key}:{index}@{chat_id}:{reply_to}",
                partial(
                    self.bot.send_message,
                    chat_id=chat_id,
                    text=part or None,
                    attachments=(attachments or None) if last else None,
                    link=link,
                ),
                _mid,
            )
            await agent_chat_posts.record(
                ticket, chat_id, mid, kind, message.id if message else None
            )
            first = first or mid
        assert first is not None
        return first

    async def _relay_customer(
        self, ticket: Ticket, chat_id: int, card_mid: str, message: Message
    ) -> str:
        """'👤 #42 · Ann:' and the text, with the customer's files: MAX files by their
        token, Telegram files moved across (one step each); what cannot be, named."""
        files: list[Any] = []
        notices: list[str] = []
        for index, item in enumerate(message.attachments or []):
            moved = await self._max_file(item, index)
            if moved is not None:
                files.append(moved)
            else:
                kind, name = attachment_label(item)
                size = item.get("size")
                notices.append(
                    self.t(
                        "max-agent-file-unavailable",
                        kind=kind,
                        name=name,
                        size=size_text(size if isinstance(size, int) else None, self.t),
                    )
                )
        body = "\n".join(x for x in [message.text, *notices] if x)
        text = self._line("max-agent-relay-customer", ticket, text=body or "📎")
        uploads = max_delivery.attachments_for({"attachments": files})
        return await self._post(
            ticket,
            chat_id,
            text,
            f"customer:{message.id}",
            reply_to=card_mid,
            attachments=uploads,
            message=message,
            kind=agent_chat_posts.CUSTOMER,
        )

    async def _max_file(self, item: dict[str, Any], index: int) -> dict[str, Any] | None:
        if item.get("platform") == max_delivery.CHANNEL:
            return item
        if self.transfer is None:
            return None
        transfer = self.transfer
        return await self.job.step(
            f"transfer:{index}", lambda: transfer(self.job, item), lambda moved: moved
        )

    async def _relay_outside_reply(
        self, ticket: Ticket, chat_id: int, card_mid: str, message: Message
    ) -> str:
        """An answer written outside the chat (REST, the console): shown under the card."""
        agent = message.agent.name if message.agent else self.t("agent-api")
        key = "max-agent-relay-api-note" if message.internal else "max-agent-relay-api-reply"
        text = self._line(key, ticket, agent=agent, text=message.text or "…")
        return await self._post(
            ticket,
            chat_id,
            text,
            "reply",
            reply_to=card_mid,
            message=message,
            kind=agent_chat_posts.REPLY,
        )

    async def _relay_customer_edit(
        self, ticket: Ticket, chat_id: int, card_mid: str, message: Message
    ) -> str:
        text = self._line("max-agent-relay-customer-edited", ticket, text=message.text)
        relayed = await agent_chat_posts.mid_of_message(message, chat_id)
        return await self._post(
            ticket,
            chat_id,
            text,
            "edited",
            reply_to=relayed or card_mid,
            message=message,
            kind=agent_chat_posts.CUSTOMER,
        )


async def send_notice(job: SendJob, locale: str) -> dict[str, Any]:
    """`agent_chat_notice`: a short localized line to an agent chat (e.g. "agents moved")."""
    payload = dict(job.payload)
    key = str(payload.pop("key"))
    text = translator(locale)(key, **payload)
    mid = await job.step(
        "notice", partial(job.bot.send_message, chat_id=job.chat_id, text=text), _mid, final=True
    )
    return {"mid": mid}
