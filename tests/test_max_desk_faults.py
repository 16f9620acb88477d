"""A MAX agent chat's faults: a deleted card, the bot removed from the chat, MAX
redelivering an update."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from models import Message, OutboundMessage, Project, Ticket
from models.enums import Channel, DeliveryStatus, MessageSource
from services import agent_chat, clock, customer_messages, tickets
from tests.fakes.max import FakeMax
from tests.test_max_desk_env import (  # noqa: F401
    BOSS,
    DESK,
    KATE,
    MaxDeskEnv,
    desk_fixture,
    mx_fixture,
    reply_of,
)
from tests.test_max_runtime import PATH, SECRET, settings_for


@pytest.fixture(name="bound")
async def bound_fixture(desk: MaxDeskEnv) -> MaxDeskEnv:
    await desk.bind()
    return desk


async def customer_writes(desk: MaxDeskEnv, ticket: Ticket, text: str) -> None:
    """The (REST) customer adds a message to the ticket."""
    await customer_messages.customer_message(
        desk.project, ticket.id, text, source=MessageSource.API
    )


async def test_a_deleted_card_is_posted_again_with_a_short_history(bound: MaxDeskEnv) -> None:
    ticket = await bound.api_ticket("First question")
    await bound.drain()
    old_card = await bound.card_mid(ticket)
    # an agent deletes the card; MAX tells the bot
    await bound.feed(bound.mx.delete_by_user(old_card, KATE))
    await customer_writes(bound, ticket, "Anyone there?")
    await bound.drain()
    new_card = await bound.card_mid(ticket)
    assert new_card != old_card and bound.mx.message(new_card) is not None
    history, relayed = bound.posts()[-2:]
    assert history["body"]["text"].startswith("🗂 #1: the card was deleted")
    assert "Web visitor: First question" in history["body"]["text"]
    assert "Anyone there?" not in history["body"]["text"]  # shown on its own, below
    assert relayed["body"]["text"] == "👤 #1 · Web visitor:\nAnyone there?"
    assert reply_of(history) == new_card and reply_of(relayed) == new_card
    # replies to the new card reach the ticket
    await bound.say(KATE, "Here!", reply_to=new_card)
    newest = await Message.filter(ticket_id=ticket.id).order_by("-created_at").first()
    assert newest is not None and newest.text == "Here!"


async def test_a_card_deleted_unseen_is_posted_again_on_the_next_change(
    bound: MaxDeskEnv,
) -> None:
    ticket = await bound.api_ticket()
    await bound.drain()
    old_card = await bound.card_mid(ticket)
    bound.mx.delete_by_user(old_card)  # the removal update never arrived
    await tickets.set_priority(bound.project, ticket.id, "urgent")
    await bound.drain()
    new_card = await bound.card_mid(ticket)
    assert new_card != old_card
    assert "Priority: 🔥 urgent" in await bound.card_text(ticket)
    assert (await OutboundMessage.exclude(status=DeliveryStatus.DELIVERED).count()) == 0


async def test_bot_removed_marks_the_chat_lost_and_nothing_the_customer_sent_is_lost(
    bound: MaxDeskEnv, frozen_clock: clock.FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = await bound.api_ticket("Hello")
    await bound.drain()
    with caplog.at_level(logging.WARNING):
        await bound.feed(bound.mx.remove_bot(DESK, BOSS))
    assert any("is lost" in r.getMessage() for r in caplog.records)
    project = await Project.get(id=bound.project.id)
    assert project.agent_chat_lost_at is not None and project.agent_chat_id == DESK

    await customer_writes(bound, ticket, "Still waiting")
    second = await bound.api_ticket("Another one")
    await bound.drain()
    waiting = await OutboundMessage.filter(status=DeliveryStatus.PENDING, channel="max")
    assert len(waiting) == 2  # kept in the outbox, not failed
    # ... and readable by REST meanwhile
    assert [m.text for m in await Message.filter(ticket_id=ticket.id).order_by("created_at")] == [
        "Hello", "Still waiting",
    ]

    # the bot is added back: the waiting events go out on their next try
    await bound.feed(bound.mx.add_bot_back(DESK, BOSS))
    assert (await Project.get(id=bound.project.id)).agent_chat_lost_at is None
    frozen_clock.advance(minutes=10)
    await bound.drain()
    assert "👤 #1 · Web visitor:\nStill waiting" in bound.texts()
    assert (await bound.card_text(second)).startswith("#2 · ")
    assert await OutboundMessage.exclude(status=DeliveryStatus.DELIVERED).count() == 0


async def test_a_refused_send_marks_the_chat_lost_too(
    bound: MaxDeskEnv, frozen_clock: clock.FrozenClock
) -> None:
    bound.mx.bot_removed_from.add(DESK)  # removed, and the update was lost
    ticket = await bound.api_ticket("Hello")
    await bound.drain()
    assert (await Project.get(id=bound.project.id)).agent_chat_lost_at is not None
    [row] = await OutboundMessage.filter(ticket_id=ticket.id, channel="max")
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    # a second project's MAX customer is not held up by it: no subscriber was marked blocked
    bound.mx.bot_removed_from.discard(DESK)
    await agent_chat.mark_found(DESK, Channel.MAX)
    frozen_clock.advance(minutes=10)
    await bound.drain()
    assert (await bound.card_text(ticket)).startswith("#1 · ")


async def test_a_redelivered_update_changes_nothing_twice(
    db: str, project: Project, aiohttp_client: Any, mx: FakeMax
) -> None:
    """Through the app's MAX webhook: MAX sending an update again is handled once."""
    from helpdesk.app import create_app

    settings = settings_for(
        mx, db, max_webhook_url="https://helpdesk.example" + PATH, max_webhook_secret=SECRET
    )
    client = await aiohttp_client(create_app(settings, role="bots"))
    headers = {"X-Max-Bot-Api-Secret": SECRET}

    async def post(update: dict[str, Any]) -> None:
        assert (await client.post(PATH, json=update, headers=headers)).status == 200

    desk = MaxDeskEnv(mx, project)  # its sender posts the cards
    desk.group()
    code = await agent_chat.create_binding_code(project.id)
    connect = mx.updates.message_created(DESK, BOSS, f"/connect {code.code}", first_name="Boss")
    await post(connect)
    await post(connect)
    assert len(desk.texts()) == 1 and "is now the agent chat" in desk.texts()[0]
    desk.project = await Project.get(id=project.id)

    ticket = await desk.api_ticket()
    await desk.drain()
    card_mid = await desk.card_mid(ticket)
    answer = mx.updates.message_created(DESK, KATE, "On it", reply_to=card_mid, first_name="Kate")
    await post(answer)
    await post(answer)
    replies = await Message.filter(ticket_id=ticket.id, text="On it")
    assert len(replies) == 1
    card = await desk.card(ticket)
    take = next(
        b["payload"]
        for att in card["body"]["attachments"] if att["type"] == "inline_keyboard"
        for row in att["payload"]["buttons"] for b in row if b["text"] == "🙋 Take"
    )
    press = mx.updates.message_callback(DESK, KATE, take, mid=card_mid, first_name="Kate")
    await post(press)
    await post(press)
    assert (await desk.webhook_events(ticket)).count("ticket.assigned") == 1
    assert len(mx.calls_to("POST /answers")) == 1  # the press was answered once
    await client.close()
    await desk.dp.shutdown()
