"""/connect CODE and /disconnect in a MAX group chat; the bot removed from or added back to
a bound chat."""

from __future__ import annotations

from maxapi import Bot
from maxapi.enums.chat_permission import ChatPermission
from maxapi.types.message import Message

from bot.max.agent_chat.context import chat_id_of, is_admin, reply
from models.enums import Channel
from services import agent_chat
from services.i18n import Translator

PLATFORM_NAMES = {Channel.TELEGRAM: "Telegram", Channel.MAX: "MAX"}


async def on_connect(bot: Bot, message: Message, code: str, t: Translator) -> None:
    """Binds the chat when the code is good and the bot can work here; otherwise says what
    is missing (an admin right, reading the chat's messages) or wrong with the code."""
    if not code:
        await reply(bot, message, t("max-agent-connect-usage"))
        return
    chat_id = chat_id_of(message)
    me = await bot.get_me_from_chat(chat_id)
    if not (me.is_admin or me.is_owner):
        await reply(bot, message, t("max-agent-connect-not-admin"))
        return
    if ChatPermission.READ_ALL_MESSAGES not in (me.permissions or []):
        await reply(bot, message, t("max-agent-connect-cannot-read"))
        return
    try:
        bound = await agent_chat.bind_chat(code, chat_id, is_forum=False, platform=Channel.MAX)
    except agent_chat.CodeExpired:
        await reply(bot, message, t("agent-connect-expired"))
        return
    except agent_chat.CodeUnknown:
        await reply(bot, message, t("agent-connect-unknown"))
        return
    text = t("max-agent-connect-ok", project=bound.project_name)
    if bound.replaced is not None:
        text += "\n" + t(
            "agent-chat-replaced", previous=PLATFORM_NAMES.get(bound.replaced.platform, "?")
        )
    await reply(bot, message, text)


async def on_disconnect(bot: Bot, message: Message, t: Translator) -> None:
    chat_id = chat_id_of(message)
    user = message.sender
    if user is None or not await is_admin(bot, chat_id, user.user_id):
        await reply(bot, message, t("agent-disconnect-not-admin"))
        return
    unbound = await agent_chat.unbind_chat(chat_id, Channel.MAX)
    if unbound is None:
        await reply(bot, message, t("agent-disconnect-not-bound"))
        return
    await reply(bot, message, t("agent-disconnect-ok", project=unbound.project_name))
