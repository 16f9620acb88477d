"""The MAX agent chat's bookkeeping: which posted message belongs to which ticket.

A MAX group has no topics, so every message of a ticket there — its card, each relayed
customer message, a history post, an agent's own reply — is recorded with its mid
(`models.agent_chat_posts`). An agent's reply to any of them is routed to that ticket.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.exceptions import IntegrityError

from models import AgentChatPost, Message, Project, Ticket

CARD = "card"
CUSTOMER = "customer"  # a relayed customer message (or a part of it)
AGENT = "agent"  # an agent's own message in the chat
REPLY = "reply"  # an answer written elsewhere (REST, the console), shown in the chat
HISTORY = "history"
NOTICE = "notice"


async def record(
    ticket: Ticket | Any,
    chat_id: int,
    mid: str,
    kind: str,
    message_id: uuid.UUID | None = None,
) -> None:
    """Remember a post; recording the same mid again (a retried job) changes nothing."""
    try:
        await AgentChatPost.create(
            project_id=ticket.project_id,
            ticket_id=ticket.id,
            message_id=message_id,
            chat_id=chat_id,
            mid=mid,
            kind=kind,
        )
    except IntegrityError:
        # (chat_id, mid) is unique and MAX never reuses a mid in a chat: the row there is this
        # very post, recorded by an earlier try (a retried job step, an update seen twice).
        # Safe to drop only because no caller records inside a transaction (on PostgreSQL the
        # failed INSERT would abort it).
        pass


async def ticket_of(project: Project, chat_id: int, mid: str) -> Ticket | None:
    """The ticket a message in the agent chat belongs to (None: not a ticket's message)."""
    post = await AgentChatPost.filter(project_id=project.id, chat_id=chat_id, mid=mid).first()
    if post is None:
        return None
    return await Ticket.get_or_none(id=post.ticket_id, project_id=project.id)


async def message_of(project: Project, chat_id: int, mid: str) -> Message | None:
    post = await AgentChatPost.filter(project_id=project.id, chat_id=chat_id, mid=mid).first()
    if post is None or post.message_id is None:
        return None
    return await Message.get_or_none(id=post.message_id)


async def card_mid(ticket: Ticket, chat_id: int) -> str | None:
    """The ticket's card in that chat (None: never posted, or deleted since)."""
    post = (
        await AgentChatPost.filter(ticket_id=ticket.id, chat_id=chat_id, kind=CARD)
        .order_by("-created_at")
        .first()
    )
    return post.mid if post is not None else None


CARD_GONE = "card_gone"  # a card deleted in the chat: the next event posts it again


async def gone_cards(ticket: Ticket, chat_id: int) -> int:
    """How many cards of the ticket were deleted in that chat (names the next card's post)."""
    return await AgentChatPost.filter(ticket_id=ticket.id, chat_id=chat_id, kind=CARD_GONE).count()


async def card_removed(chat_id: int, mid: str) -> bool:
    """A card was deleted in the chat: True if `mid` was one (it is marked gone)."""
    return bool(
        await AgentChatPost.filter(chat_id=chat_id, mid=mid, kind=CARD).update(kind=CARD_GONE)
    )


async def mid_of_message(message: Message, chat_id: int) -> str | None:
    """Where a ticket message was posted in that chat (its first part)."""
    post = (
        await AgentChatPost.filter(message_id=message.id, chat_id=chat_id)
        .order_by("created_at")
        .first()
    )
    return post.mid if post is not None else None
