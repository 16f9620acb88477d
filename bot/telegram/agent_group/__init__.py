"""The Telegram agent group: binding, ticket topics/cards, two-way relay, card actions.

`create_agent_group_router()` handles group and supergroup chats (and, from private chats,
only customers' edits); include it before the customer routers.
What the group is sent (topics, cards, relayed messages) lives in
`delivery/telegram_agent_chat/`, registered on the Telegram sender.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import ExceptionTypeFilter

from bot.telegram.agent_group.binding import binding_router
from bot.telegram.agent_group.callbacks import callbacks_router
from bot.telegram.agent_group.canned import canned_router
from bot.telegram.agent_group.commands import commands_router
from bot.telegram.agent_group.console_link import console_link_router
from bot.telegram.agent_group.customer_edits import customer_edits_router
from bot.telegram.agent_group.errors import in_group, on_helpdesk_error
from bot.telegram.agent_group.relay import relay_router
from bot.telegram.filters import Magic
from services.errors import HelpdeskError
from services.i18n import translator

GROUP_CHATS = {ChatType.GROUP, ChatType.SUPERGROUP}

__all__ = ["create_agent_group_router"]


def create_agent_group_router(
    locale: str = "en", console_base_url: str = "http://127.0.0.1:8080"
) -> Router:
    """`locale`: the language of cards and relayed messages in the group;
    `console_base_url`: where the sign-in links that `/console` sends point.

    Group and supergroup updates only, plus customers' edits in private chats (an update
    type the customer bot does not handle)."""
    groups = Router(name="agent_group.groups")
    groups.message.filter(Magic(F.chat.type.in_(GROUP_CHATS)))
    groups.edited_message.filter(Magic(F.chat.type.in_(GROUP_CHATS)))
    groups.callback_query.filter(Magic(F.message.chat.type.in_(GROUP_CHATS)))
    groups.include_routers(binding_router(), console_link_router(console_base_url))

    # what agents do in a group; the desk use cases ignore chats bound to no project
    groups.include_routers(
        commands_router(),
        callbacks_router(translator(locale)),
        canned_router(),
        relay_router(),
    )
    # group messages nobody above wanted end here: the customer routers never see them
    rest = Router(name="agent_group.rest")
    rest.message.register(_ignore)
    rest.edited_message.register(_ignore)
    groups.include_router(rest)

    router = Router(name="agent_group")
    router.include_routers(groups, customer_edits_router())
    router.errors.register(on_helpdesk_error, ExceptionTypeFilter(HelpdeskError), in_group)
    return router


async def _ignore() -> None:
    return None
