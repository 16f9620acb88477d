"""`kill -9` of a real workers process in the middle of a broadcast (issue 19).

The same guarantee README's "Delivery guarantees" gives helpdesk messages: every audience
member gets the broadcast, and a member gets it twice only if their message was in flight
at the kill (accepted by Telegram, not yet recorded) — Telegram has no idempotency key.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

from models import Notification, OutboundMessage
from models.enums import Channel, DeliveryStatus
from services import broadcasts, subscribers
from services.projects import create_project
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram
from tests.test_ops_processes import SHUTDOWN_DEADLINE, spawn, until

__all__ = ["spawn"]  # the fixture, shared with the worker process tests

AUDIENCE = 150  # ~5 s at 30/s: the kill lands mid-broadcast
FIRST_CHAT = 5000


async def recorded_chats() -> set[int]:
    """Chats whose broadcast message the database knows went out."""
    rows = await OutboundMessage.filter(status=DeliveryStatus.DELIVERED).values("chat_id")
    return {int(row["chat_id"]) for row in rows}


async def test_kill_9_mid_broadcast_then_restart_reaches_everyone(db, spawn) -> None:
    async with FakeTelegram() as tg:
        project, _ = await create_project(name="Broadcast crash")
        chats = list(range(FIRST_CHAT, FIRST_CHAT + AUDIENCE))
        for chat in chats:
            await subscribers.ensure_subscriber(project.id, Channel.TELEGRAM, chat, ["all"])
        created = await broadcasts.create_broadcast(project, text="Sale", tags_all=["all"])
        assert created["audience"] == AUDIENCE
        env = {
            "OUTBOX_LEASE_SECONDS": "2",
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE": tg.base_url,
            "TELEGRAM_RATE_PER_SECOND": "30",
        }
        victim = await spawn(**env)

        async def mid_broadcast() -> bool:
            return len(tg.successful_sends()) >= 40

        await until(mid_broadcast, "the first broadcast sends")
        victim.proc.send_signal(signal.SIGKILL)
        assert await victim.exited(SHUTDOWN_DEADLINE) == -signal.SIGKILL
        await asyncio.sleep(0.2)  # requests the dead process had on the wire are answered
        accepted = {send.chat_id for send in tg.successful_sends()}
        in_flight = accepted - await recorded_chats()  # out, but not known to be out
        assert len(accepted) < AUDIENCE  # work left for the restarted worker
        assert len(tg.successful_sends()) == len(accepted)  # nobody twice before the kill

        await spawn(**env)

        async def done() -> bool:
            state = await broadcasts.get_broadcast(project, created["id"])
            return state["state"] == "done"

        await until(done, "the broadcast to finish after the restart")
        received = Counter(send.chat_id for send in tg.successful_sends())
        assert set(received) == set(chats)  # everyone, nothing lost
        twice = {chat for chat, count in received.items() if count > 1}
        assert twice <= in_flight  # only what was in flight at the kill went out again
        assert max(received.values()) <= 2
        state = await broadcasts.get_broadcast(project, created["id"])
        assert state["sent"] == AUDIENCE and state["failed"] == 0
        assert await Notification.filter(broadcast_id=created["id"]).count() == AUDIENCE
        assert await OutboundMessage.filter(claimed_until__not_isnull=True).count() == 0
