"""The agent group's outbound kinds (topics, cards, relayed messages, edits), registered on
the Telegram sender: the sending half of the agent chat, beside the other senders."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiogram.exceptions import TelegramBadRequest

from delivery.telegram import TopicError
from delivery.telegram_agent_chat.publisher import AgentChatPublisher
from models import OutboundMessage
from services.agent_chat import AGENT_CHAT_NOTICE
from services.agent_chat_edits import CUSTOMER_EDIT
from services.i18n import translator
from services.notifications import AGENT_EVENT


def setup_agent_chat_delivery(sender: Any, locale: str = "en") -> None:
    """Register `agent_event` and `customer_edit`, the forum-topic repair hook and the
    group→supergroup hook."""

    async def send_agent_event(job: Any) -> dict[str, Any]:
        return await AgentChatPublisher(job.bot, locale, job).handle(job.message)

    async def repair_topic(row: OutboundMessage, error: str) -> int | None:
        if row.kind != AGENT_EVENT:
            return None
        return await AgentChatPublisher(sender.bot, locale).on_topic_error(row, TopicError(error))

    async def move_binding(row: OutboundMessage, new_chat_id: int) -> None:
        if row.kind == AGENT_EVENT:
            await AgentChatPublisher(sender.bot, locale).on_migrated(row, new_chat_id)

    sender.register(AGENT_EVENT, send_agent_event)
    sender.register(CUSTOMER_EDIT, send_customer_edit)
    sender.register(AGENT_CHAT_NOTICE, partial(send_agent_chat_notice, locale=locale))
    sender.on_topic_error(repair_topic)
    sender.on_migrated(move_binding)


async def send_customer_edit(job: Any) -> dict[str, Any]:
    """An agent edited a relayed message: edit the customer's copy (text or caption)."""
    payload = job.payload
    await job.throttle()
    as_caption = bool(payload.get("as_caption"))
    edit = job.bot.edit_message_caption if as_caption else job.bot.edit_message_text
    field = "caption" if as_caption else "text"
    try:
        await edit(
            chat_id=job.chat_id, message_id=int(payload["message_id"]), **{field: payload["text"]}
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    return {"edited": payload["message_id"]}


async def send_agent_chat_notice(job: Any, locale: str) -> dict[str, Any]:
    """A short line to a Telegram group that was the agent chat (agents moved to MAX)."""
    payload = dict(job.payload)
    text = translator(locale)(str(payload.pop("key")), **payload)
    sent = await job.step(
        "notice", partial(job.bot.send_message, job.chat_id, text), lambda m: m.message_id,
        final=True,
    )
    return {"message_id": sent}
