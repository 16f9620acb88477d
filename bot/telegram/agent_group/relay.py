"""What agents write in a ticket topic (or as a reply in a plain group) goes to the customer.

The reply path: `on_agent_message` → `services.agent_desk.post` → `tickets.agent_reply` (the
message and the customer's outbound row, one transaction) → the delivery worker sends it.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import Message

from bot.telegram.agent_group.context import desk_message, membership, reply, user_t
from bot.telegram.agent_group.render import notice
from bot.telegram.filters import Magic
from services import agent_desk

CONTENT = F.text | F.caption | F.photo | F.document | F.video | F.voice | F.audio | F.animation
CONTENT = CONTENT | F.video_note


def relay_router() -> Router:
    router = Router(name="agent_group.relay")
    router.message.register(on_agent_message, Magic(CONTENT))
    router.edited_message.register(on_agent_edit, Magic(F.text | F.caption))
    return router


async def on_agent_message(message: Message, bot: Bot) -> None:
    """An agent's message in a ticket's place: to the customer, or an internal `!` note."""
    await agent_desk.post(desk_message(message), membership(bot))


async def on_agent_edit(message: Message, bot: Bot) -> None:
    """An edit within 48 hours is passed on to the customer's copy."""
    result = await agent_desk.edit(desk_message(message), membership(bot))
    text = notice(result, user_t(message.from_user))
    if text is not None:
        await reply(message, text)
