"""After a message about a ticket reaches the customer, re-render their dialog below it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram_dialog import BgManagerFactory, ShowMode

from dialogs.common import TICKET, start_route, start_value
from dialogs.states import ConsentSG, NewTicketSG, ThreadSG
from models.enums import Channel
from services import customers
from services.customers import Customer
from services.validation import same_uuid

log = logging.getLogger(__name__)
OnSent = Callable[[Any, Any], Awaitable[None]]


async def refresh_thread(
    bg_factory: BgManagerFactory, bot: Bot, chat_id: int, ticket_id: str
) -> None:
    """The ticket's thread window, sent anew (below the agent's message) in the customer's chat.

    A customer in that thread sees it re-rendered; one typing a new ticket or deciding on
    consent keeps their window (only moved down); anyone else is taken to the ticket.
    """
    bg = bg_factory.bg(bot=bot, user_id=chat_id, chat_id=chat_id)
    async with bg.fg() as manager:
        if manager.has_context():
            state = manager.current_context().state
            here = state.group is ThreadSG and same_uuid(start_value(manager, TICKET), ticket_id)
            if here or state.group in (NewTicketSG, ConsentSG):
                await manager.show(ShowMode.SEND)
                return
        route = await customers.route_to_ticket(Customer(Channel.TELEGRAM, chat_id), ticket_id)
        await start_route(manager, route, ShowMode.SEND)


def thread_refresher(bg_factory: BgManagerFactory, bot: Bot) -> OnSent:
    """A delivery `on_sent` hook for `customer_text` messages.

    Messages about a ticket (agent reply, closed, reopened) re-render the thread; ones with
    their own buttons ("ticket #N created" + [Open]) are left alone.
    """

    async def on_sent(outbound: Any, result: Any) -> None:
        payload = getattr(outbound, "payload", None) or {}
        ticket_id = getattr(outbound, "ticket_id", None) or payload.get("ticket_id")
        if str(getattr(outbound, "channel", "")) != Channel.TELEGRAM or ticket_id is None:
            return
        if payload.get("buttons"):
            return
        try:
            await refresh_thread(bg_factory, bot, int(outbound.chat_id), str(ticket_id))
        except Exception:  # the message itself was delivered; a stale window is not fatal
            log.exception("could not re-render the thread of ticket %s", ticket_id)

    return on_sent
