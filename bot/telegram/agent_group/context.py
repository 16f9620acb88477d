"""Shared parsing for agent-group handlers: the bound project, the ticket, the acting agent."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message as TgMessage
from aiogram.types import TelegramObject, User

from models import Agent, Project, Ticket
from services import agent_chat
from services.i18n import Translator, translator

MEMBER_STATUSES = (
    ChatMemberStatus.CREATOR,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
)
ADMIN_STATUSES = (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)


async def reply(message: TgMessage, text: str) -> None:
    """A short answer under the agent's message; a closed or deleted topic just gets none
    (the card shows the outcome anyway)."""
    try:
        await message.reply(text)
    except TelegramBadRequest as error:
        lowered = error.message.lower()
        if "topic_closed" not in lowered and "thread not found" not in lowered:
            raise


def user_t(user: User | None) -> Translator:
    return translator(user.language_code if user else None)


def group_user(user: User) -> agent_chat.GroupUser:
    return agent_chat.GroupUser(id=user.id, name=user.full_name, username=user.username)


async def bound_project(event: TelegramObject, event_chat: Any = None) -> dict[str, Any] | bool:
    """Filter: the chat is bound to a project; injects `project`."""
    if event_chat is None:
        return False
    project = await agent_chat.project_for_chat(event_chat.id)
    return {"project": project} if project is not None else False


async def is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    member = await bot.get_chat_member(chat_id, user_id)
    if member.status in MEMBER_STATUSES:
        return True
    return member.status == ChatMemberStatus.RESTRICTED and bool(
        getattr(member, "is_member", False)
    )


async def is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    member = await bot.get_chat_member(chat_id, user_id)
    return member.status in ADMIN_STATUSES


async def acting_agent(bot: Bot, project: Project, chat_id: int, user: User | None) -> Agent | None:
    """The agent behind a group member's action, registered on first action; None for
    bots and for people who are not members of the bound group."""
    if user is None or user.is_bot:
        return None
    if not await agent_chat.is_known_agent(project, user.id) and not await is_member(
        bot, chat_id, user.id
    ):
        return None
    return await agent_chat.agent_for(project, group_user(user))


async def ticket_of(project: Project, message: TgMessage) -> Ticket | None:
    """A topic message → that topic's ticket; otherwise the ticket of the replied-to message."""
    chat_id = message.chat.id
    if message.is_topic_message and message.message_thread_id is not None:
        ticket = await agent_chat.ticket_for_topic(project, chat_id, message.message_thread_id)
        if ticket is not None:
            return ticket
    reply = message.reply_to_message
    if reply is not None:
        return await agent_chat.ticket_for_reply(project, chat_id, reply.message_id)
    return None
