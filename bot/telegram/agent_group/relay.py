"""What agents write in a ticket topic (or as a reply in a plain group) goes to the customer."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.types import Message

from bot.telegram.agent_group.context import acting_agent, reply, ticket_of, user_t
from bot.telegram.filters import Magic
from models import Agent, Project, Ticket
from models.enums import MessageSource
from services import agent_chat, tickets

NOTE_PREFIX = "!"
MEDIA_KINDS = ("document", "video", "voice", "audio", "animation", "video_note")
CONTENT = F.text | F.caption | F.photo | F.document | F.video | F.voice | F.audio | F.animation
CONTENT = CONTENT | F.video_note


def relay_router() -> Router:
    router = Router(name="agent_group.relay")
    router.message.register(on_agent_message, Magic(CONTENT))
    router.edited_message.register(on_agent_edit, Magic(F.text | F.caption))
    return router


def attachments_of(message: Message) -> list[dict[str, Any]]:
    """Media of one Telegram message, kept as file ids (the customer bot is the same bot)."""
    found: list[dict[str, Any]] = []
    if message.photo:
        biggest = message.photo[-1]
        found.append(
            {"kind": "photo", "file_id": biggest.file_id, "name": None, "size": biggest.file_size}
        )
    for kind in MEDIA_KINDS:
        media = getattr(message, kind, None)
        if media is not None:
            found.append(
                {
                    "kind": kind,
                    "file_id": media.file_id,
                    "name": getattr(media, "file_name", None),
                    "size": media.file_size,
                    "mime_type": getattr(media, "mime_type", None),
                }
            )
    return found


async def save_agent_message(
    project: Project,
    ticket: Ticket,
    agent: Agent,
    message: Message,
    *,
    text: str | None,
    internal: bool,
) -> None:
    await tickets.agent_reply(
        project,
        ticket.id,
        text,
        internal=internal,
        agent_id=agent.id,
        source=MessageSource.AGENT_CHAT,
        attachments=attachments_of(message),
        agent_chat_message_id=message.message_id,
    )


async def on_agent_message(message: Message, bot: Bot, project: Project) -> None:
    """An agent's message in a ticket's place: to the customer, or an internal `!` note."""
    if message.sender_chat is not None or (message.text or "").startswith("/"):
        return  # channel posts / anonymous admins, and commands this bot does not know
    ticket = await ticket_of(project, message)
    if ticket is None:
        return  # ordinary talk between agents
    agent = await acting_agent(bot, project, message.chat.id, message.from_user)
    if agent is None:
        return
    text = message.text or message.caption or ""
    internal = text.startswith(NOTE_PREFIX)
    if internal:
        text = text[len(NOTE_PREFIX) :]
    await save_agent_message(project, ticket, agent, message, text=text, internal=internal)


async def on_agent_edit(message: Message, bot: Bot, project: Project) -> None:
    """An edit within 48 hours is passed on to the customer's copy."""
    if await acting_agent(bot, project, message.chat.id, message.from_user) is None:
        return
    text = message.text or message.caption or ""
    if text.startswith(NOTE_PREFIX):
        text = text[len(NOTE_PREFIX) :]
    try:
        await agent_chat.agent_edited(project, message.chat.id, message.message_id, text)
    except agent_chat.EditTooLate:
        await reply(message, user_t(message.from_user)("agent-error-edit-too-late"))
