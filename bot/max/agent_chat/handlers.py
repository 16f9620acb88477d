"""A MAX group chat bound as a project's agent chat: each update → one use case.

The customer bot's middleware hands every update that is not a customer's dialog here
(`handle_group_update`). Messages and commands go to `services.agent_desk` (the same use
cases as the Telegram group: replies, `!`/`/note` notes, `/assign`, `/priority`, `/status`,
`/close`, `/reopen` and whatever command the desk learns later), card buttons to
`agent_desk.press`; binding is in binding.py. What the chat is sent (cards, relayed
messages) lives in `delivery/max_agent_chat/`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from maxapi import Bot
from maxapi.enums.chat_type import ChatType
from maxapi.types.message import Message
from maxapi.types.updates.bot_added import BotAdded
from maxapi.types.updates.bot_removed import BotRemoved
from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated
from maxapi.types.updates.message_edited import MessageEdited
from maxapi.types.updates.message_removed import MessageRemoved

from bot.desk_text import canned_or_found_text, notice
from bot.max.agent_chat import binding, card
from bot.max.agent_chat.context import chat_id_of, desk_message, desk_user, membership, reply
from models.enums import Channel
from services import agent_chat, agent_chat_posts, agent_desk
from services.agent_desk_types import Command, DeskCommand, DeskPress, DeskResult, Outcome
from services.errors import HelpdeskError, NotFound, TicketClosed
from services.i18n import Translator, translator

log = logging.getLogger(__name__)

COMMANDS = {command.value: command for command in Command}


def _in_group(message: Message | None) -> bool:
    return message is not None and message.recipient.chat_type != ChatType.DIALOG


async def handle_group_update(event: Any, bot: Bot, locale: str) -> None:
    """Every non-dialog update of the MAX bot. `locale`: the language of the cards."""
    if isinstance(event, MessageCreated) and _in_group(event.message):
        await _answering_errors(bot, event.message, event.user_locale, on_message)
    elif isinstance(event, MessageEdited) and _in_group(event.message):
        await _answering_errors(bot, event.message, None, on_edit)
    elif isinstance(event, MessageCallback) and _in_group(event.message):
        await on_press(event, bot, translator(locale))
    elif isinstance(event, MessageRemoved):
        await agent_chat_posts.card_removed(event.chat_id, event.message_id)
    elif isinstance(event, BotRemoved):
        await agent_chat.mark_lost(event.chat_id, Channel.MAX)
    elif isinstance(event, BotAdded):
        await agent_chat.mark_found(event.chat_id, Channel.MAX)


MessageHandler = Callable[[Bot, Message, Translator], Awaitable[None]]


async def _answering_errors(
    bot: Bot, message: Message, locale: str | None, handle: MessageHandler
) -> None:
    """A domain error (a closed ticket, an unknown @name, a bad value) is answered as a
    short reply instead of vanishing."""
    t = translator(locale)
    try:
        await handle(bot, message, t)
    except HelpdeskError as error:
        await reply(bot, message, _error_text(error, t))


def _error_text(error: HelpdeskError, t: Translator) -> str:
    if isinstance(error, TicketClosed):
        return t("agent-error-closed")
    if isinstance(error, NotFound):
        return t("agent-error-not-found", detail=error.message)
    return t("agent-error-invalid", detail=error.message)


def _command_of(text: str) -> tuple[str, str | None] | None:
    """"/assign@bot me" → ("assign", "me"); None when the text is no command."""
    if not text.startswith("/"):
        return None
    word, _, rest = text[1:].partition(" ")
    return word.split("@", 1)[0].lower(), rest.strip() or None


async def on_message(bot: Bot, message: Message, t: Translator) -> None:
    desk = desk_message(message)
    command = _command_of(desk.text) if not desk.attachments else None
    if command is not None and command[0] == "connect":
        await binding.on_connect(bot, message, command[1] or "", t)
        return
    if command is not None and command[0] == "disconnect":
        await binding.on_disconnect(bot, message, t)
        return
    if command is not None and command[0] in COMMANDS:
        request = DeskCommand(desk, COMMANDS[command[0]], command[1])
        result = await agent_desk.command(request, membership(bot))
    else:
        result = await agent_desk.post(desk, membership(bot))
    text = _answer(result, t)
    if text is not None:
        await reply(bot, message, text)


def _answer(result: DeskResult, t: Translator) -> str | None:
    """In a chat without topics, a message outside a ticket gets the how-to hint."""
    if result.outcome == Outcome.NO_TICKET:
        return t("max-agent-hint")
    return canned_or_found_text(result, t) or notice(result, t)


async def on_edit(bot: Bot, message: Message, t: Translator) -> None:
    result = await agent_desk.edit(desk_message(message), membership(bot))
    if result.outcome == Outcome.EDIT_TOO_LATE:
        await reply(bot, message, t("agent-error-edit-too-late"))


async def on_press(event: MessageCallback, bot: Bot, card_t: Translator) -> None:
    """A card button: the desk decides; the pressed card is redrawn at once (the queued
    agent event finds it up to date) and the presser gets a short notification."""
    parsed = card.parse_payload(event.callback.payload)
    if parsed is None or event.message is None:
        return
    button, ticket, value = parsed
    t = translator(event.user_locale)
    press = DeskPress(
        platform=Channel.MAX,
        chat_id=chat_id_of(event.message),
        user=desk_user(event.callback.user),
        ticket=ticket,
        button=button,
        value=value,
    )
    try:
        result = await agent_desk.press(press, membership(bot))
    except HelpdeskError as error:
        await event.ack(notification=_error_text(error, t))
        return
    if result.outcome == Outcome.IGNORED:
        return  # not a bound chat: not our button
    answer = notice(result, t)
    if result.card is not None:
        await event.edit(
            text=card.text(result.card, card_t),
            attachments=card.keyboard(result.card, card_t, result.menu),
            notification=answer,
        )
        return
    await event.ack(notification=answer)
