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
from bot.max.states import Screen
from delivery import max as max_delivery
from delivery.files import TooLarge, Unavailable, file_name, max_kind, size_text
from delivery.send_job import SendJob
from models.enums import Channel
from services import customer_entry, customers
from services.customer_flow import TICKET, OnSent, Place, keeps_screen
from services.customer_flow import thread_refresher as refresher_for
from services.customer_views import Customer
from services.i18n import Translator, translator
from services.notifications import CUSTOMER_TEXT

log = logging.getLogger(__name__)
TelegramBotGetter = Callable[[], Any]


async def _translator(chat_id: int, default_locale: str) -> Translator:
    return translator(await customers.language_of(Channel.MAX, chat_id), default_locale)


async def transfer_telegram_file(
    job: SendJob, item: dict[str, Any], telegram_bot: Any
) -> dict[str, Any] | None:
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
                return transfer_telegram_file(job, item, telegram_bot())

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


_PLACE = {
    str(Screen.thread): Place.THREAD,
    str(Screen.compose): Place.COMPOSE,
    str(Screen.consent): Place.CONSENT,
}


async def refresh_thread(
    dp: Dispatcher, bot: Bot, chat_id: int, ticket_id: str, default_locale: str
) -> None:
    """The ticket's thread sent anew below the agent's message, as on Telegram, or the
    customer's own screen moved down (services.customer_flow.keeps_screen)."""
    chat = MaxChat(
        bot=bot,
        chat_id=chat_id,
        context=chat_context(dp, chat_id),
        t=await _translator(chat_id, default_locale),
        customer=Customer(Channel.MAX, chat_id),
    )
    place = _PLACE.get(str(await chat.context.get_state()), Place.ELSEWHERE)
    shown = (await chat.data()).get(TICKET) if place == Place.THREAD else None
    if keeps_screen(place, shown, ticket_id):
        view = await render(chat)
        if view is not None:
            await chat.show(view)
            return
    await open_route(chat, await customer_entry.route_to_ticket(chat.customer, ticket_id))


def thread_refresher(dp: Dispatcher, bot: Bot, default_locale: str) -> OnSent:
    """A delivery `on_sent` hook for MAX `customer_text` rows about a ticket."""

    async def refresh(chat_id: int, ticket_id: str) -> None:
        await refresh_thread(dp, bot, chat_id, ticket_id, default_locale)

    return refresher_for(Channel.MAX, refresh)


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
