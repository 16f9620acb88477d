"""What every MAX agent-chat handler shares: a MAX message in the desk's neutral terms, the
membership port the desk use cases ask, and short replies under an agent's message."""

from __future__ import annotations

from functools import partial

from maxapi import Bot
from maxapi.enums.message_link_type import MessageLinkType
from maxapi.types.message import Message, NewMessageLink
from maxapi.types.users import User

from bot.max.attachments import part_of
from models.enums import Channel
from services.agent_desk_types import DeskMessage, DeskUser, IsMember


def desk_user(user: User | None) -> DeskUser | None:
    if user is None:
        return None
    name = " ".join(x for x in (user.first_name, user.last_name) if x) or str(user.user_id)
    return DeskUser(
        id=user.user_id, name=name, username=user.username, is_bot=bool(user.is_bot)
    )


def chat_id_of(message: Message) -> int:
    chat_id = message.recipient.chat_id
    assert chat_id is not None  # a group chat's message always names its chat
    return chat_id


def desk_message(message: Message) -> DeskMessage:
    """A MAX group message: its mid is the id, a reply link names the message it answers."""
    part = part_of(message)
    link = message.link
    replied = link.message.mid if link is not None and link.type == MessageLinkType.REPLY else None
    return DeskMessage(
        platform=Channel.MAX,
        chat_id=chat_id_of(message),
        message_id=part.message_id or "",
        user=desk_user(message.sender),
        text=part.text,
        reply_to_id=replied,
        attachments=part.attachments,
        as_chat=message.sender is None,  # a channel's post carries no sender
    )


def membership(bot: Bot) -> IsMember:
    """The desk's "is this user a member of the chat?", answered by the MAX API."""
    return partial(is_member, bot)


async def is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    return await bot.get_chat_member(chat_id, user_id) is not None


async def is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    member = await bot.get_chat_member(chat_id, user_id)
    return member is not None and bool(member.is_admin or member.is_owner)


async def reply(bot: Bot, message: Message, text: str) -> None:
    """A short answer as a reply to the agent's message."""
    mid = message.body.mid if message.body is not None else None
    link = NewMessageLink(type=MessageLinkType.REPLY, mid=mid) if mid else None
    await bot.send_message(chat_id=chat_id_of(message), text=text, link=link)
