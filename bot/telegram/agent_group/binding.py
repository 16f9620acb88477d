"""/connect CODE, /disconnect, and a group that became a supergroup."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.telegram.agent_group.context import is_admin, user_t
from bot.telegram.filters import Magic
from models.enums import Channel
from services import agent_chat


def binding_router() -> Router:
    router = Router(name="agent_group.binding")
    router.message.register(on_connect, Command("connect"))
    router.message.register(on_disconnect, Command("disconnect"))
    router.message.register(on_migrated, Magic(F.migrate_to_chat_id))
    return router


async def on_connect(message: Message, command: CommandObject, bot: Bot) -> None:
    t = user_t(message.from_user)
    if not command.args:
        await message.reply(t("agent-connect-usage"))
        return
    me = await bot.get_chat_member(message.chat.id, bot.id)
    if me.status != ChatMemberStatus.ADMINISTRATOR:
        await message.reply(t("agent-connect-not-admin"))
        return
    is_forum = bool(message.chat.is_forum)
    if is_forum and not getattr(me, "can_manage_topics", False):
        await message.reply(t("agent-connect-no-topics"))
        return
    try:
        bound = await agent_chat.bind_chat(command.args, message.chat.id, is_forum=is_forum)
    except agent_chat.CodeExpired:
        await message.reply(t("agent-connect-expired"))
        return
    except agent_chat.CodeUnknown:
        await message.reply(t("agent-connect-unknown"))
        return
    key = "agent-connect-ok-forum" if is_forum else "agent-connect-ok"
    text = t(key, project=bound.project_name)
    if bound.replaced is not None and bound.replaced.platform != Channel.TELEGRAM:
        text += "\n" + t("agent-chat-replaced", previous="MAX")
    await message.reply(text)


async def on_disconnect(message: Message, bot: Bot) -> None:
    t = user_t(message.from_user)
    user = message.from_user
    if user is None or not await is_admin(bot, message.chat.id, user.id):
        await message.reply(t("agent-disconnect-not-admin"))
        return
    unbound = await agent_chat.unbind_chat(message.chat.id)
    if unbound is None:
        await message.reply(t("agent-disconnect-not-bound"))
        return
    await message.reply(t("agent-disconnect-ok", project=unbound.project_name))


async def on_migrated(message: Message) -> None:
    assert message.migrate_to_chat_id is not None
    await agent_chat.migrate_chat(message.chat.id, message.migrate_to_chat_id)
