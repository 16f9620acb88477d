"""One customer's MAX dialog as the handlers see it: who writes, their FSM context, their
language, and how a screen is shown (an edit of the pressed message, or a new message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from maxapi import Bot, Dispatcher
from maxapi.context.base import BaseContext
from maxapi.enums.chat_type import ChatType
from maxapi.filters.middleware import BaseMiddleware
from maxapi.types.attachments.attachment import ButtonsPayload
from maxapi.types.attachments.buttons import CallbackButton
from maxapi.types.updates.bot_started import BotStarted
from maxapi.types.updates.bot_stopped import BotStopped
from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated
from maxapi.types.users import User

from bot.presentation import clip
from models.enums import Channel
from services import customers
from services.customer_views import Customer
from services.i18n import Translator, translator

CHAT_KEY = "chat"  # handler argument name of the MaxChat
Handler = Callable[[Any, dict[str, Any]], Awaitable[Any]]
TEXT_LIMIT = 4000  # MAX refuses longer texts


@dataclass(frozen=True)
class View:
    """A rendered screen: text and rows of (label, callback payload) buttons."""

    text: str
    rows: list[list[tuple[str, str]]] = field(default_factory=list)


def keyboard(rows: list[list[tuple[str, str]]]) -> list[Any]:
    """MAX sends an inline keyboard as an attachment; no rows, no attachment."""
    buttons = [[CallbackButton(text=label, payload=data) for label, data in row] for row in rows]
    buttons = [row for row in buttons if row]
    return [ButtonsPayload(buttons=buttons).pack()] if buttons else []  # type: ignore[arg-type]


@dataclass
class MaxChat:
    bot: Bot
    chat_id: int
    context: BaseContext
    t: Translator
    customer: Customer
    callback: MessageCallback | None = None
    _edited: bool = False

    async def show(self, view: View) -> None:
        """A button press edits the pressed message (like the Telegram dialogs); anything
        else, and a second screen in one update, is a new message."""
        text = clip(view.text, TEXT_LIMIT)
        buttons = keyboard(view.rows)
        callback = self.callback
        if callback is not None and callback.message is not None and not self._edited:
            self._edited = True
            await callback.edit(text=text, attachments=buttons)
            return
        await self.ack()
        await self.bot.send_message(chat_id=self.chat_id, text=text, attachments=buttons or None)

    async def ack(self) -> None:
        """A callback must be answered once, or MAX shows the button as still loading."""
        if self.callback is not None and not self._edited:
            self._edited = True
            await self.callback.ack()

    async def data(self) -> dict[str, Any]:
        return await self.context.get_data()


def customer_of(user: User | None, chat_id: int, locale: str | None) -> Customer:
    return Customer(
        channel=Channel.MAX,
        chat_id=chat_id,
        first_name=user.first_name if user else None,
        last_name=user.last_name if user else None,
        username=user.username if user else None,
        language_code=locale,
    )


def _origin(event: Any) -> tuple[int, User | None, str | None, bool] | None:
    """(chat id, user, locale, is a dialog) of the update kinds the customer bot handles."""
    if isinstance(event, MessageCreated):
        recipient = event.message.recipient
        if recipient.chat_id is None:
            return None
        dialog = recipient.chat_type == ChatType.DIALOG
        return recipient.chat_id, event.message.sender, event.user_locale, dialog
    if isinstance(event, MessageCallback):
        message = event.message
        chat_id = message.recipient.chat_id if message is not None else None
        dialog = message is None or message.recipient.chat_type == ChatType.DIALOG
        chat = chat_id if chat_id is not None else event.callback.user.user_id
        return chat, event.callback.user, event.user_locale, dialog
    if isinstance(event, BotStarted | BotStopped):
        return event.chat_id, event.user, event.user_locale, True
    return None


def chat_context(dp: Dispatcher, chat_id: int) -> BaseContext:
    """FSM context per dialog chat (not per chat+user as maxapi keys it): delivery knows only
    a subscriber's chat id when it re-shows a thread, and a dialog has one customer."""
    return dp.fsm.get_context(chat_id=chat_id, user_id=None)


async def chat_of(dp: Dispatcher, event_object: Any, default_locale: str) -> MaxChat | None:
    """The MaxChat of a customer update; None for group chats (not the customer side)."""
    origin = _origin(event_object)
    if origin is None or not origin[3]:
        return None
    chat_id, user, locale, _ = origin
    bot = getattr(event_object, "bot", None) or dp.bot
    if bot is None:
        return None
    language = locale or await customers.language_of(Channel.MAX, chat_id)
    return MaxChat(
        bot=bot,
        chat_id=chat_id,
        context=chat_context(dp, chat_id),
        t=translator(language, default_locale),
        customer=customer_of(user, chat_id, locale),
        callback=event_object if isinstance(event_object, MessageCallback) else None,
    )


GroupHandler = Callable[[Any, Bot], Awaitable[None]]


class ChatMiddleware(BaseMiddleware):
    """Puts the MaxChat of every customer update into the handler data. Every other update
    (group chats: the agent chat) goes to `groups`, never to the customer screens."""

    def __init__(
        self, dp: Dispatcher, default_locale: str, groups: GroupHandler | None = None
    ) -> None:
        self.dp = dp
        self.default_locale = default_locale
        self.groups = groups

    async def __call__(self, handler: Handler, event_object: Any, data: dict[str, Any]) -> Any:
        chat = await chat_of(self.dp, event_object, self.default_locale)
        if chat is None:
            bot = getattr(event_object, "bot", None) or self.dp.bot
            if self.groups is not None and bot is not None:
                await self.groups(event_object, bot)
            return None
        # the dispatcher reads these two after the outer middlewares (state filters use them)
        data["_memory_context"] = chat.context
        data["_current_state"] = await chat.context.get_state()
        data[CHAT_KEY] = chat
        return await handler(event_object, data)
