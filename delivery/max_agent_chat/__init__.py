"""The MAX agent chat's outbound kinds, registered on the MAX sender: `agent_event` (cards
and posts, see publisher.py) and `agent_chat_notice`. The same outbox rows feed the
Telegram agent group's publisher when the project's agent chat is in Telegram: a row goes
to the sender of the messenger its agent chat is in (services.notifications.agent_event)."""

from __future__ import annotations

from typing import Any

from delivery.max_agent_chat.publisher import AgentChatLost, MaxAgentChatPublisher, send_notice
from delivery.send_job import SendJob
from services.agent_chat import AGENT_CHAT_NOTICE
from services.notifications import AGENT_EVENT

__all__ = ["AgentChatLost", "MaxAgentChatPublisher", "setup_max_agent_chat_delivery"]


def setup_max_agent_chat_delivery(delivery: Any, locale: str = "en") -> None:
    """Register the kinds on the MAX sender of a `helpdesk.workers.Delivery` (if any). A
    Telegram customer's files are moved across through the Telegram sender's bot."""
    sender = delivery.senders.get("max")
    if sender is None:
        return

    async def transfer(job: SendJob, item: dict[str, Any]) -> dict[str, Any] | None:
        from bot.max.delivery import transfer_telegram_file

        telegram = delivery.senders.get("telegram")
        return await transfer_telegram_file(job, item, telegram.bot if telegram else None)

    async def send_agent_event(job: SendJob) -> dict[str, Any]:
        return await MaxAgentChatPublisher(job, locale, transfer).handle(job.message)

    async def notice(job: SendJob) -> dict[str, Any]:
        return await send_notice(job, locale)

    sender.register(AGENT_EVENT, send_agent_event)
    sender.register(AGENT_CHAT_NOTICE, notice)
