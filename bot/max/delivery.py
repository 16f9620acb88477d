"""The MAX bot's part in delivery: agents' Telegram files reach MAX customers as real files,
and after an agent's answer the customer's thread is shown again below it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from maxapi import Bot, Dispatcher

from bot.max.attachments import PLATFORM, is_max_file
from bot.max.chat import MaxChat, chat_context
from bot.max.screens import open_route, render
from bot.max.states import TICKET, Screen
from delivery import max as max_delivery
from delivery.files import TooLarge, Unavailable, file_name, max_kind, size_text
from delivery.sender import SendJob
from models.enums import Channel
from services import customers
from services.customers import Customer
from services.i18n import Translator, translator
from services.notifications import CUSTOMER_TEXT
from services.validation import same_uuid

log = logging.getLogger(__name__)
TelegramBotGetter = Callable[[], Any]
OnSent = Callable[[Any, Any], Awaitable[None]]


async def _translator(chat_id: int, default_locale: str) -> Translator:
    return translator(await customers.language_of(Channel.MAX, chat_id), default_locale)


async def _transfer(job: SendJob, item: dict[str, Any], telegram_bot: Any) -> dict[str, Any] | None:
    """A Telegram file uploaded to MAX (None when it cannot be: too big, no Telegram bot)."""
    if telegram_bot is None:
        return None
    from delivery.telegram import fetch_file  # aiogram: there is a Telegram bot here

    try:
        fetched = await fetch_file(telegram_bot, item)
    except TooLarge as too_large:
        log.info("telegram file too large for MAX delivery: %s", too_large)
        return None
    except Unavailable as error:  # unknown/expired file id: retrying cannot help
        log.warning("telegram file %s not downloadable: %s", item.get("file_id"), error)
        return None
    token = await max_delivery.upload_file(job.bot, item, fetched)
    return {"kind": max_kind(item), "file_id": token, "name": fetched.name, "platform": PLATFORM}


def customer_text_handler(
    telegram_bot: TelegramBotGetter, default_locale: str
) -> Callable[[SendJob], Awaitable[dict[str, Any] | None]]:
    """`customer_text` for MAX: files that came from Telegram (an agent's photo/document)
    are downloaded through the Bot API and uploaded to MAX first — each upload one step,
    so a retry never uploads twice; what cannot be moved is named in the text instead."""

    async def handle(job: SendJob) -> dict[str, Any] | None:
        payload = job.payload
        attachments: list[dict[str, Any]] = list(payload.get("attachments") or [])
        if all(is_max_file(a) for a in attachments):
            return await max_delivery.send_customer_text(job)
        t = await _translator(job.chat_id, default_locale)
        sendable: list[dict[str, Any]] = []
        notices: list[str] = []
        for index, item in enumerate(attachments):
            if is_max_file(item):
                sendable.append(item)
                continue

            def call(item: dict[str, Any] = item) -> Awaitable[dict[str, Any] | None]:
                return _transfer(job, item, telegram_bot())

            moved = await job.step(f"transfer:{index}", call, lambda moved: moved)
            if moved is not None:
                sendable.append(moved)
            else:
                notices.append(
                    t(
                        "max-file-unavailable",
                        kind=t(f"attachment-{item.get('kind', 'file')}"),
                        name=file_name(item),
                        size=size_text(item.get("size"), t),
                    )
                )
        text = "\n".join(x for x in [(payload.get("text") or "").strip(), *notices] if x)
        return await max_delivery.send_text_and_files(
            job, text, {**payload, "attachments": sendable}
        )

    return handle


async def refresh_thread(
    dp: Dispatcher, bot: Bot, chat_id: int, ticket_id: str, default_locale: str
) -> None:
    """The ticket's thread sent anew below the agent's message, as on Telegram: a customer in
    that thread sees it again; one composing a ticket or deciding on consent gets their own
    screen moved down; anyone else is taken to the ticket."""
    chat = MaxChat(
        bot=bot,
        chat_id=chat_id,
        context=chat_context(dp, chat_id),
        t=await _translator(chat_id, default_locale),
        customer=Customer(Channel.MAX, chat_id),
    )
    state = str(await chat.context.get_state())
    here = state == str(Screen.thread) and same_uuid((await chat.data()).get(TICKET), ticket_id)
    if here or state in (str(Screen.compose), str(Screen.consent)):
        view = await render(chat)
        if view is not None:
            await chat.show(view)
            return
    await open_route(chat, await customers.route_to_ticket(chat.customer, ticket_id))


def thread_refresher(dp: Dispatcher, bot: Bot, default_locale: str) -> OnSent:
    """A delivery `on_sent` hook for MAX `customer_text` rows about a ticket; rows with their
    own buttons ("ticket #N created" + [Open]) are left alone."""

    async def on_sent(outbound: Any, result: Any) -> None:
        payload = getattr(outbound, "payload", None) or {}
        ticket_id = getattr(outbound, "ticket_id", None) or payload.get("ticket_id")
        if str(getattr(outbound, "channel", "")) != Channel.MAX or ticket_id is None:
            return
        if payload.get("buttons"):
            return
        try:
            await refresh_thread(dp, bot, int(outbound.chat_id), str(ticket_id), default_locale)
        except Exception:  # the message itself was delivered; a stale screen is not fatal
            log.exception("could not re-show the MAX thread of ticket %s", ticket_id)

    return on_sent


def setup_file_transfer(delivery: Any, default_locale: str) -> None:
    """MAX `customer_text` with agents' Telegram files moved to MAX. Needs no running MAX
    bot, so a workers-only process registers it too (helpdesk.workers.create_delivery)."""
    sender = delivery.senders.get(max_delivery.CHANNEL)
    if sender is None:
        return

    def telegram_bot() -> Any:  # looked up per row: the Telegram sender may come later
        telegram = delivery.senders.get(str(Channel.TELEGRAM))
        return telegram.bot if telegram is not None else None

    sender.register(CUSTOMER_TEXT, customer_text_handler(telegram_bot, default_locale))


def delivery_setup(dp: Dispatcher, bot: Bot, default_locale: str) -> Callable[[Any], None]:
    """For helpdesk.workers.create_delivery(setup=[...]) in a process running the MAX bot:
    file transfer, and the thread re-shown after an answer (needs the bot's FSM)."""

    def setup(delivery: Any) -> None:
        sender = delivery.senders.get(max_delivery.CHANNEL)
        if sender is None:
            return
        setup_file_transfer(delivery, default_locale)
        sender.on_sent(CUSTOMER_TEXT, thread_refresher(dp, bot, default_locale))

    return setup
