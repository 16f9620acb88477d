"""What every agent-group handler shares: a Telegram update in the desk's neutral terms, the
membership port the desk use cases ask, short localized replies."""

from __future__ import annotations

from functools import partial

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message, User

from bot.telegram.attachments import attachments_of
from delivery.telegram import topic_error
from models.enums import Channel
from services.agent_desk_types import DeskMessage, DeskUser, IsMember
from services.i18n import Translator, translator

MEMBER_STATUSES = (
    ChatMemberStatus.CREATOR,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
)
ADMIN_STATUSES = (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)


async def reply(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A short answer under the agent's message; a closed or deleted topic just gets none
    (the card shows the outcome anyway)."""
    try:
        await message.reply(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if topic_error(error) is None:
            raise


def user_t(user: User | None) -> Translator:
    return translator(user.language_code if user else None)


def desk_user(user: User | None) -> DeskUser | None:
    if user is None:
        return None
    return DeskUser(id=user.id, name=user.full_name, username=user.username, is_bot=user.is_bot)


def desk_message(message: Message) -> DeskMessage:
    topic = message.message_thread_id if message.is_topic_message else None
    replied = message.reply_to_message
    return DeskMessage(
        platform=Channel.TELEGRAM,
        chat_id=message.chat.id,
        message_id=message.message_id,
        user=desk_user(message.from_user),
        text=message.text or message.caption or "",
        topic_id=topic,
        reply_to_id=replied.message_id if replied is not None else None,
        attachments=attachments_of(message),
        as_chat=message.sender_chat is not None,
    )


def membership(bot: Bot) -> IsMember:
    """The desk's "is this user a member of the chat?", answered by the Bot API."""
    return partial(is_member, bot)


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
