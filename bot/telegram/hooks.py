"""After a message about a ticket reaches the customer, re-render their dialog below it."""

from __future__ import annotations

from aiogram import Bot
from aiogram_dialog import BgManagerFactory, ShowMode

from dialogs.common import start_route, start_value
from dialogs.states import ConsentSG, NewTicketSG, ThreadSG
from models.enums import Channel
from services import customer_entry
from services.customer_flow import TICKET, OnSent, Place, keeps_screen
from services.customer_flow import thread_refresher as refresher_for
from services.customer_views import Customer

_PLACE = {ThreadSG: Place.THREAD, NewTicketSG: Place.COMPOSE, ConsentSG: Place.CONSENT}


async def refresh_thread(
    bg_factory: BgManagerFactory, bot: Bot, chat_id: int, ticket_id: str
) -> None:
    """The ticket's thread window, sent anew (below the agent's message) in the customer's
    chat, or the customer's own window moved down (services.customer_flow.keeps_screen)."""
    bg = bg_factory.bg(bot=bot, user_id=chat_id, chat_id=chat_id)
    async with bg.fg() as manager:
        if manager.has_context():
            place = _PLACE.get(manager.current_context().state.group, Place.ELSEWHERE)
            if keeps_screen(place, start_value(manager, TICKET), ticket_id):
                await manager.show(ShowMode.SEND)
                return
        route = await customer_entry.route_to_ticket(Customer(Channel.TELEGRAM, chat_id), ticket_id)
        await start_route(manager, route, ShowMode.SEND)


def thread_refresher(bg_factory: BgManagerFactory, bot: Bot) -> OnSent:
    """A delivery `on_sent` hook for Telegram `customer_text` messages about a ticket."""

    async def refresh(chat_id: int, ticket_id: str) -> None:
        await refresh_thread(bg_factory, bot, chat_id, ticket_id)

    return refresher_for(Channel.TELEGRAM, refresh)
