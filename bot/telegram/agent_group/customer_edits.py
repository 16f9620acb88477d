"""A customer's edit in the private chat with the bot shows in the ticket's topic."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message

from bot.telegram.filters import Magic
from models.enums import Channel
from services import agent_chat_edits


def customer_edits_router() -> Router:
    router = Router(name="agent_group.customer_edits")
    router.edited_message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    router.edited_message.register(on_customer_edit, Magic(F.text | F.caption))
    return router


async def on_customer_edit(message: Message) -> None:
    await agent_chat_edits.customer_edited_in_chat(
        Channel.TELEGRAM,
        message.chat.id,
        str(message.message_id),
        message.text or message.caption,
    )
