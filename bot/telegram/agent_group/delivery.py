"""The agent group's outbound kinds, registered on the Telegram sender (delivery/)."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest

from bot.telegram.agent_group.publisher import TOPIC_CLOSED, TOPIC_GONE, AgentChatPublisher
from models import OutboundMessage
from services.agent_chat import CUSTOMER_EDIT
from services.notifications import AGENT_EVENT


def setup_agent_chat_delivery(sender: Any, locale: str = "en") -> None:
    """Register `agent_event` and `customer_edit`, and the forum-topic repair hook."""

    async def send_agent_event(job: Any) -> dict[str, Any]:
        publisher = AgentChatPublisher(job.bot, locale, throttle=job.throttle)
        return await publisher.handle(job.message)

    async def repair_topic(row: OutboundMessage, error_kind: str) -> int | None:
        if row.kind != AGENT_EVENT:
            return None
        kind = TOPIC_CLOSED if error_kind == "topic_closed" else TOPIC_GONE
        return await AgentChatPublisher(sender.bot, locale).on_topic_error(row, kind)

    sender.register(AGENT_EVENT, send_agent_event)
    sender.register(CUSTOMER_EDIT, send_customer_edit)
    sender.on_topic_error(repair_topic)


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
