"""A broadcast's pace (measured in the fake Bot API against the moved clock), helpdesk
replies overtaking it, and a worker that dies mid-broadcast."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from delivery import telegram as tg_delivery
from delivery.limits import MemoryLimiter
from delivery.sender import MessengerSender
from models import BroadcastRecipient, Project
from models.enums import Channel
from services import broadcast_pacer, broadcasts, clock, outbound, subscribers
from services.notifications import CUSTOMER_TEXT
from services.outbox import enqueue_message
from tests.fakes.telegram import FakeTelegram

CEILING = 1800.0  # 30/s


def sender_for(tg: FakeTelegram) -> MessengerSender:
    ticks = iter(range(0, 10**9, 1000))  # the limiter's own clock leaps: no real waiting
    sender = MessengerSender(
        tg_delivery.TelegramPlatform(30), tg.make_bot(), MemoryLimiter(now=lambda: next(ticks))
    )
    tg_delivery.setup(sender)
    return sender


async def audience(project: Project, count: int, first_chat: int = 1000) -> list[int]:
    chats = list(range(first_chat, first_chat + count))
    for chat in chats:
        await subscribers.ensure_subscriber(project.id, Channel.TELEGRAM, chat, ["all"])
    return chats


async def test_pace_follows_messages_per_minute(project, frozen_clock):
    async with FakeTelegram() as tg:
        sender = sender_for(tg)
        await audience(project, 12)
        start = clock.now()
        await broadcasts.create_broadcast(
            project, text="Sale", tags_all=["all"], messages_per_minute=120
        )
        measured = []
        for _ in range(6):
            await broadcast_pacer.tick(clock.now(), CEILING)
            while await sender.run_once():
                pass
            elapsed = (clock.now() - start).total_seconds()
            measured.append((elapsed, len(tg.successful_sends())))
            frozen_clock.advance(seconds=1)
        # 2 a second of the clock, the first at once: never ahead of the pace, never behind
        assert measured == [(0, 1), (1, 3), (2, 5), (3, 7), (4, 9), (5, 11)]


async def test_helpdesk_replies_overtake_a_running_broadcast(project, frozen_clock):
    async with FakeTelegram() as tg:
        sender = sender_for(tg)
        await audience(project, 40)
        await broadcasts.create_broadcast(project, text="Sale", tags_all=["all"])
        frozen_clock.advance(seconds=1)
        assert await broadcast_pacer.tick(clock.now(), CEILING) == 31  # 30/s + the first
        # a customer's answer is queued after the broadcast's rows
        frozen_clock.advance(milliseconds=1)
        await enqueue_message(
            channel="telegram", chat_id=7, kind=CUSTOMER_TEXT,
            payload={"text": "Agent: it ships tomorrow", "attachments": []},
            project_id=project.id,
        )
        await sender.run_once()
        texts = tg.sent_texts()
        assert texts[0] == "Agent: it ships tomorrow" and texts[1:] == ["Sale"] * 31


async def test_worker_killed_mid_broadcast_everyone_gets_it_once(project, frozen_clock):
    async with FakeTelegram() as tg:
        chats = await audience(project, 50)
        created = await broadcasts.create_broadcast(project, text="Sale", tags_all=["all"])
        frozen_clock.advance(seconds=1)
        await broadcast_pacer.tick(clock.now(), CEILING)
        first = sender_for(tg)
        await first.run_once()  # some went out
        frozen_clock.advance(seconds=1)
        await broadcast_pacer.tick(clock.now(), CEILING)
        # the worker is killed right after claiming the next rows: they stay leased
        held = await outbound.claim("telegram", limit=200, lease=timedelta(minutes=5))
        assert held
        # a restarted worker (and pacer) go on; the dead one's rows return after its lease
        second = sender_for(tg)
        for _ in range(10):
            await broadcast_pacer.tick(clock.now(), CEILING)
            while await second.run_once():
                pass
            frozen_clock.advance(minutes=1)
        received = Counter(c.chat_id for c in tg.successful_sends())
        assert set(received) == set(chats)
        assert max(received.values()) == 1  # nothing was sent twice
        state = await broadcasts.get_broadcast(project, created["id"])
        assert state["state"] == "done" and state["sent"] == 50
        assert await BroadcastRecipient.filter(state="pending").count() == 0
