"""Commands inside a ticket topic (or in reply to a ticket message in a plain group)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.telegram.agent_group.context import desk_message, membership, reply, user_t
from bot.telegram.agent_group.render import notice
from services import agent_desk


def commands_router() -> Router:
    router = Router(name="agent_group.commands")
    router.message.register(on_command, Command(*(name.value for name in agent_desk.Command)))
    return router


async def on_command(message: Message, command: CommandObject, bot: Bot) -> None:
    """/assign, /priority, /status, /close, /reopen, /note: one desk use case, one short reply."""
    request = agent_desk.DeskCommand(
        desk_message(message), agent_desk.Command(command.command), command.args
    )
    result = await agent_desk.command(request, membership(bot))
    text = notice(result, user_t(message.from_user))
    if text is not None:
        await reply(message, text)
