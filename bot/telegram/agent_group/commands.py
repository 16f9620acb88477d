"""Commands inside a ticket topic (or in reply to a ticket message in a plain group)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.telegram.agent_group.canned import desk_answer
from bot.telegram.agent_group.context import desk_message, membership, reply, user_t
from bot.telegram.agent_group.render import notice
from services import agent_desk, agent_desk_types


def commands_router() -> Router:
    router = Router(name="agent_group.commands")
    router.message.register(on_command, Command(*(name.value for name in agent_desk_types.Command)))
    return router


async def on_command(message: Message, command: CommandObject, bot: Bot) -> None:
    """/assign, /priority, /status, /close, /reopen, /note, /r, /find: one desk use case,
    one short reply (with buttons for the `/r` list)."""
    request = agent_desk_types.DeskCommand(
        desk_message(message), agent_desk_types.Command(command.command), command.args
    )
    result = await agent_desk.command(request, membership(bot))
    t = user_t(message.from_user)
    answer = desk_answer(result, t)  # /r and /find: text, maybe with buttons
    if answer is not None:
        await reply(message, *answer)
        return
    text = notice(result, t)
    if text is not None:
        await reply(message, text)
