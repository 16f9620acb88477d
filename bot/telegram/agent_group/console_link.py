"""/console in the agent group: the bot sends the member a sign-in link in a private chat.

The link is sent at once, not through the outbox: it is useful for 15 minutes to a person
who is waiting for it, and whether Telegram lets the bot write to them decides the answer in
the group. The link itself never appears in the group.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message

from bot.telegram.agent_group.context import desk_user, membership, reply, user_t
from services import console_auth

log = logging.getLogger(__name__)


def console_link_router(base_url: str) -> Router:
    router = Router(name="agent_group.console_link")

    async def on_console(message: Message, bot: Bot) -> None:
        user = message.from_user
        issued = await console_auth.link_for_chat_member(
            message.chat.id, desk_user(user), membership(bot)
        )
        if issued is None or user is None:
            return  # an unbound chat or a stranger: the desk ignores them too
        t = user_t(user)
        text = t("console-link-dm", project=issued.agent_project_name, url=issued.url(base_url))
        try:
            # no preview: a preview fetcher opening the URL would use the one-time link up
            await bot.send_message(
                user.id, text, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            # 403 (never started the bot, or blocked it) or "chat not found"
            log.info("console link not sent to agent %s: %s", issued.agent.id, error.message)
            await reply(message, t("console-link-start-bot"))
            return
        await reply(message, t("console-link-sent"))

    router.message.register(on_console, Command("console"))
    return router
