"""Messenger senders against the fake Telegram / MAX servers."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from delivery import max as max_delivery
from delivery import telegram as tg_delivery
from delivery.limits import MemoryLimiter
from delivery.send_job import SendJob
from delivery.sender import MessengerSender
from delivery.text import utf16_len
from models import Message, OutboundMessage, Project, Subscriber, Ticket
from models.enums import Author, Channel, DeliveryStatus
from services import tickets
from services.messages import NOTIFICATION
from services.notifications import AGENT_EVENT, CUSTOMER_TEXT
from services.outbox import enqueue_message
from tests.fakes.max import FakeMax
from tests.fakes.telegram import FakeTelegram

AGENT_CHAT = -1001234


@pytest.fixture
async def tg():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def fmax():
    async with FakeMax() as server:
        yield server


def tg_sender(tg: FakeTelegram, rate: float = 30.0, **kwargs: Any) -> MessengerSender:
    sender = MessengerSender(
        tg_delivery.TelegramPlatform(rate), tg.make_bot(), MemoryLimiter(), **kwargs
    )
    tg_delivery.setup(sender)
    return sender


def max_sender(fmax: FakeMax) -> MessengerSender:
    sender = MessengerSender(max_delivery.MaxPlatform(), fmax.make_bot(), MemoryLimiter())
    max_delivery.setup(sender)
    return sender


async def customer_row(
    project: Project, chat_id: int = 42, channel: str = "telegram", **payload: Any
) -> OutboundMessage:
    payload.setdefault("text", "Hello")
    payload.setdefault("attachments", [])
    return await enqueue_message(
        channel=channel, chat_id=chat_id, kind=CUSTOMER_TEXT, payload=payload,
        project_id=project.id,
    )


async def fresh(row: OutboundMessage) -> OutboundMessage:
    return await OutboundMessage.get(id=row.id)


def long_text(paragraphs: int = 6, size: int = 1500) -> str:
    return "\n\n".join(f"P{i} " + ("word " * (size // 5)).strip() for i in range(paragraphs))


async def test_customer_text_with_buttons_is_sent_and_result_stored(project, tg, frozen_clock):
    sender = tg_sender(tg)
    row = await customer_row(
        project, text="Hi there", buttons=[[{"text": "Open #1", "data": "open_ticket:x"}]]
    )
    assert await sender.run_once() == 1
    [call] = tg.successful_sends(42)
    assert call.text == "Hi there"
    markup = call.params["reply_markup"]
    assert markup["inline_keyboard"][0][0]["callback_data"] == "open_ticket:x"
    row = await fresh(row)
    assert row.status == DeliveryStatus.DELIVERED and row.sent_at is not None
    assert row.result == {"message_ids": [call.result["message_id"]], "sent_as_caption": False}


async def test_attachments_use_matching_methods_and_caption(project, tg, frozen_clock):
    sender = tg_sender(tg)
    kinds = ("photo", "document", "voice", "video", "audio")
    files = [{"kind": kind, "file_id": f"F{kind}"} for kind in kinds]
    await customer_row(project, text="see files", attachments=files,
                       buttons=[[{"text": "b", "data": "d"}]])
    await sender.run_once()
    methods = [c.method.lower() for c in tg.successful_sends(42)]
    assert methods == ["sendphoto", "senddocument", "sendvoice", "sendvideo", "sendaudio"]
    sends = tg.successful_sends(42)
    assert sends[0].text == "see files"
    assert "reply_markup" in sends[-1].params and "reply_markup" not in sends[0].params


async def test_long_text_is_split_on_paragraphs_in_order(project, tg, frozen_clock):
    sender = tg_sender(tg)
    text = long_text()
    row = await customer_row(project, text=text)
    await sender.run_once()
    parts = tg.sent_texts(42)
    assert len(parts) > 1 and all(utf16_len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == text
    result = (await fresh(row)).result
    assert result is not None and len(result["message_ids"]) == len(parts)


async def test_retry_after_partial_success_does_not_resend_sent_parts(
    project, tg, frozen_clock, monkeypatch
):
    sender = tg_sender(tg)
    real = sender.bot.send_message
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # the connection drops while the second part is on its way
            raise aiohttp.ClientConnectionError("connection reset")
        return await real(*args, **kwargs)

    monkeypatch.setattr(sender.bot, "send_message", flaky)
    text = long_text()
    row = await customer_row(project, text=text)
    await sender.run_once()
    assert len(tg.sent_texts(42)) == 1
    row = await fresh(row)
    assert row.status == DeliveryStatus.PENDING and "connection" in (row.last_error or "")
    frozen_clock.advance(seconds=3)
    await sender.run_once()
    assert "\n\n".join(tg.sent_texts(42)) == text  # every part once, in order
    assert (await fresh(row)).status == DeliveryStatus.DELIVERED


async def test_too_long_refusal_resends_in_smaller_parts(project, tg, frozen_clock):
    sender = tg_sender(tg)
    tg.fail_next("sendMessage", 400, "Bad Request: message is too long")
    text = "x " * 1500  # fits our 4096, but this server says otherwise once
    row = await customer_row(project, text=text.strip())
    await sender.run_once()
    parts = tg.sent_texts(42)
    assert len(parts) == 2 and " ".join(parts) == text.strip()
    assert (await fresh(row)).status == DeliveryStatus.DELIVERED


async def test_429_waits_retry_after_and_sends_once(project, tg, frozen_clock):
    sender = tg_sender(tg)
    tg.fail_next("sendMessage", 429, retry_after=7)
    row = await customer_row(project)
    start = frozen_clock.now()
    await sender.run_once()
    row = await fresh(row)
    assert row.status == DeliveryStatus.PENDING
    assert row.next_attempt_at == start + timedelta(seconds=7)
    assert await sender.run_once() == 0  # not before retry_after
    frozen_clock.advance(seconds=7)
    await sender.run_once()
    assert tg.sent_texts(42) == ["Hello"]
    assert (await fresh(row)).status == DeliveryStatus.DELIVERED


async def test_403_marks_subscriber_blocked_tells_agents_and_stops(project, tg, frozen_clock):
    project.agent_chat_id = AGENT_CHAT
    await project.save()
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="Help", channel=Channel.TELEGRAM, chat_id=42)
    )
    await OutboundMessage.filter(kind=AGENT_EVENT).delete()
    tg.block_chat(42)
    sender = tg_sender(tg)
    await sender.run_once()
    row = await OutboundMessage.get(kind=CUSTOMER_TEXT)
    assert row.status == DeliveryStatus.FAILED and "blocked" in (row.last_error or "")
    assert (await Subscriber.get(chat_id=42)).blocked
    system = await Message.get(ticket_id=ticket.id, author=Author.SYSTEM)
    assert "blocked the bot" in system.text
    told = await OutboundMessage.get(kind=AGENT_EVENT)
    assert told.payload["event"] == "customer_blocked" and told.chat_id == AGENT_CHAT
    frozen_clock.advance(hours=1)
    calls = len(tg.calls)
    await sender.run_once()  # the failed row is not retried (the agent event has no handler)
    assert len(tg.calls) == calls
    # a second refusal for the same chat does not add another system message
    await customer_row(project, ticket_id=str(ticket.id))
    await sender.run_once()
    assert await Message.filter(ticket_id=ticket.id, author=Author.SYSTEM).count() == 1


async def topic_text(job: SendJob) -> dict[str, Any]:
    mid = await job.step(
        "text",
        lambda: job.bot.send_message(
            chat_id=job.chat_id,
            text=job.payload["text"],
            message_thread_id=job.payload["message_thread_id"],
        ),
        lambda m: m.message_id,
    )
    return {"message_ids": [mid]}


async def test_deleted_topic_is_recreated_by_the_hook_then_sent(project, tg, frozen_clock):
    sender = tg_sender(tg)
    sender.register("topic_text", topic_text)
    topic = tg.add_topic(AGENT_CHAT, "#1")
    tg.delete_topic(AGENT_CHAT, topic.thread_id)
    asked: list[str] = []

    async def repair(row: OutboundMessage, error: str) -> int | None:
        asked.append(error)
        if error == "topic_closed":
            await sender.bot.reopen_forum_topic(AGENT_CHAT, row.payload["message_thread_id"])
            return row.payload["message_thread_id"]
        created = await sender.bot.create_forum_topic(AGENT_CHAT, "#1 again")
        return created.message_thread_id

    sender.on_topic_error(repair)
    row = await enqueue_message(
        channel="telegram", chat_id=AGENT_CHAT, kind="topic_text",
        payload={"text": "note", "message_thread_id": topic.thread_id},
    )
    await sender.run_once()
    row = await fresh(row)
    assert row.status == DeliveryStatus.DELIVERED and asked == ["thread_not_found"]
    new_thread = row.payload["message_thread_id"]
    assert new_thread != topic.thread_id
    assert tg.successful_sends(AGENT_CHAT)[-1].thread_id == new_thread
    # a closed topic is reopened and the message goes to the same thread
    tg.close_topic(AGENT_CHAT, new_thread)
    again = await enqueue_message(
        channel="telegram", chat_id=AGENT_CHAT, kind="topic_text",
        payload={"text": "second", "message_thread_id": new_thread},
    )
    await sender.run_once()
    assert (await fresh(again)).status == DeliveryStatus.DELIVERED
    assert asked == ["thread_not_found", "topic_closed"]


async def test_topic_error_without_hook_keeps_retrying(project, tg, frozen_clock):
    sender = tg_sender(tg)
    sender.register("topic_text", topic_text)
    topic = tg.add_topic(AGENT_CHAT, "#1")
    tg.delete_topic(AGENT_CHAT, topic.thread_id)
    row = await enqueue_message(
        channel="telegram", chat_id=AGENT_CHAT, kind="topic_text",
        payload={"text": "note", "message_thread_id": topic.thread_id},
    )
    await sender.run_once()
    row = await fresh(row)
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    assert "thread not found" in (row.last_error or "")


async def test_unknown_kind_stays_pending_until_its_module_registers(project, tg, frozen_clock):
    sender = tg_sender(tg)
    row = await enqueue_message(
        channel="telegram", chat_id=-100500, kind=AGENT_EVENT, payload={"event": "x"}
    )
    await sender.run_once()
    row = await fresh(row)
    assert row.status == DeliveryStatus.PENDING and "no handler" in (row.last_error or "")
    seen: list[Any] = []

    async def agent_event(job: SendJob) -> dict[str, Any]:
        await job.step("card", lambda: job.bot.send_message(job.chat_id, "card"))
        return {"ok": True}

    async def after(message: OutboundMessage, result: dict[str, Any] | None) -> None:
        seen.append((message.id, result))

    sender.register(AGENT_EVENT, agent_event)
    sender.on_sent(AGENT_EVENT, after)
    frozen_clock.advance(minutes=1)
    await sender.run_once()
    assert (await fresh(row)).status == DeliveryStatus.DELIVERED
    assert seen == [(row.id, {"ok": True})]


async def test_network_errors_and_5xx_back_off_and_retry(project, tg, frozen_clock):
    sender = tg_sender(tg)
    tg.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    row = await customer_row(project)
    for _ in range(3):
        await sender.run_once()
        frozen_clock.advance(seconds=10)
    row = await fresh(row)
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 3
    assert tg.sent_texts(42) == ["Hello"]


async def test_messages_of_one_chat_keep_their_order(project, tg, frozen_clock):
    sender = tg_sender(tg)
    tg.fail_next("sendMessage", 500, times=1, chat_id=42)
    for i in range(4):
        await customer_row(project, text=f"m{i}")
    await customer_row(project, chat_id=43, text="other")
    await sender.run_once()
    assert tg.sent_texts(42) == [] and tg.sent_texts(43) == ["other"]
    frozen_clock.advance(seconds=5)
    await sender.run_once()
    assert tg.sent_texts(42) == ["m0", "m1", "m2", "m3"]


async def test_sender_obeys_limits_of_a_limit_enforcing_server(project, frozen_clock):
    async with FakeTelegram(enforce_limits=True, global_per_second=10) as tg:
        sender = tg_sender(tg, rate=10)
        for i in range(3):
            for chat in (1, 2, 3, 4):
                await customer_row(project, chat_id=chat, text=f"c{chat}-{i}")
        for i in range(4):
            await customer_row(project, chat_id=-555, text=f"g{i}")
        stop = asyncio.Event()
        runner = asyncio.create_task(sender.run(stop))
        await tg.wait_until(lambda: len(tg.successful_sends()) == 16, timeout=15)
        stop.set()
        await runner
        assert tg.too_many_requests == 0
        for chat in (1, 2, 3, 4):
            assert tg.sent_texts(chat) == [f"c{chat}-{i}" for i in range(3)]
            at = [c.at for c in tg.successful_sends(chat)]
            assert all(b - a >= 0.99 for a, b in itertools.pairwise(at))
    assert await OutboundMessage.filter(status=DeliveryStatus.DELIVERED).count() == 16


async def test_cancelled_sender_loses_nothing_and_sends_nothing_twice(project, tg, frozen_clock):
    gate = asyncio.Event()
    held = asyncio.Event()

    async def slow_text(job: SendJob) -> dict[str, Any]:
        async def call() -> Any:
            if job.payload["text"] == "m2" and not gate.is_set():
                held.set()
                await gate.wait()  # the process dies while this call is on its way
            return await job.bot.send_message(job.chat_id, job.payload["text"])

        return {"id": await job.step("text", call, lambda m: m.message_id)}

    first = tg_sender(tg)
    first.register(CUSTOMER_TEXT, slow_text)
    for i in range(5):
        await customer_row(project, chat_id=100 + i, text=f"m{i}")
    batch = asyncio.create_task(first.run_once())
    await held.wait()
    # let the other chats finish: wait for their "delivered" marks, not for a fixed time
    # (a loaded machine takes longer than any fixed pause)
    async def others_delivered() -> None:
        while await OutboundMessage.filter(status=DeliveryStatus.DELIVERED).count() < 4:  # noqa: ASYNC110 (the marks are rows: nothing to wait on but the database)
            await asyncio.sleep(0.01)

    await asyncio.wait_for(others_delivered(), timeout=30)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    gate.set()
    assert await OutboundMessage.filter(status=DeliveryStatus.DELIVERED).count() == 4
    second = tg_sender(tg)
    second.register(CUSTOMER_TEXT, slow_text)
    assert await second.run_once() == 0  # the lease of the dead sender still holds
    frozen_clock.advance(minutes=6)
    await second.run_once()
    texts = [t for i in range(5) for t in tg.sent_texts(100 + i)]
    assert Counter(texts) == Counter(f"m{i}" for i in range(5))


async def test_two_senders_on_postgres_send_each_message_once(project, tg, frozen_clock):
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("SKIP LOCKED claims need PostgreSQL (SQLite runs one worker)")
    for i in range(30):
        await customer_row(project, chat_id=200 + i % 10, text=f"m{i}")
    a, b = tg_sender(tg, rate=1000), tg_sender(tg, rate=1000)
    a.batch_size = b.batch_size = 4

    async def loop(sender: MessengerSender) -> None:
        for _ in range(300):
            await sender.run_once()
            if not await OutboundMessage.filter(status=DeliveryStatus.PENDING).exists():
                return
            await asyncio.sleep(0.05)

    await asyncio.gather(loop(a), loop(b))
    texts = tg.sent_texts()
    assert Counter(texts) == Counter(f"m{i}" for i in range(30))
    for chat in range(10):
        assert tg.sent_texts(200 + chat) == [f"m{i}" for i in range(chat, 30, 10)]


# -- MAX ---------------------------------------------------------------------------------
async def test_max_customer_text_with_keyboard_and_files(project, fmax, frozen_clock):
    sender = max_sender(fmax)
    row = await customer_row(
        project, chat_id=77, channel="max", text="Hi",
        buttons=[[{"text": "Open", "data": "open_ticket:1"}]],
        attachments=[{"kind": "photo", "file_id": "tok1"}],
    )
    await sender.run_once()
    [message] = fmax.sent_messages(77)
    assert message["body"]["text"] == "Hi"
    kinds = [a["type"] for a in message["body"].get("attachments", [])]
    assert kinds == ["image", "inline_keyboard"]
    assert (await fresh(row)).status == DeliveryStatus.DELIVERED


async def test_max_long_text_split_and_403_blocks(project, fmax, frozen_clock):
    sender = max_sender(fmax)
    text = long_text(paragraphs=5, size=1800)
    await customer_row(project, chat_id=77, channel="max", text=text)
    await sender.run_once()
    parts = fmax.sent_texts(77)
    assert len(parts) > 1 and all(len(p) <= 4000 for p in parts)
    assert "\n\n".join(parts) == text
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="Help", channel=Channel.MAX, chat_id=78)
    )
    fmax.block_chat(78)
    await sender.run_once()
    assert (await Subscriber.get(chat_id=78)).blocked
    row = await OutboundMessage.get(chat_id=78, kind=CUSTOMER_TEXT)
    assert row.status == DeliveryStatus.FAILED
    assert await Message.filter(ticket_id=ticket.id, author=Author.SYSTEM).count() == 1
    assert (await Ticket.get(id=ticket.id)).id == ticket.id


async def test_max_429_and_5xx_retry_the_same_row(project, fmax, frozen_clock):
    sender = max_sender(fmax)
    fmax.fail_next("POST /messages", 429)
    row = await customer_row(project, chat_id=79, channel="max", text="once")
    await sender.run_once()
    assert (await fresh(row)).status == DeliveryStatus.PENDING
    fmax.fail_next("POST /messages", 500)
    frozen_clock.advance(seconds=2)
    await sender.run_once()
    frozen_clock.advance(seconds=10)
    await sender.run_once()
    assert fmax.sent_texts(79) == ["once"]
    assert (await fresh(row)).status == DeliveryStatus.DELIVERED


async def test_create_workers_builds_webhooks_and_a_sender_per_bot(project, tg, fmax):
    from helpdesk.settings import load_settings
    from helpdesk.workers import create_delivery, create_workers

    settings = load_settings(telegram_rate_per_second=12)
    names = [w.name for w in create_workers(settings)]
    assert names == ["webhooks", "housekeeping", "sla", "search-words"]
    registered: list[str] = []

    def setup(delivery: Any) -> None:
        registered.extend(delivery.senders)
        delivery.senders["telegram"].register(AGENT_EVENT, topic_text)

    delivery = create_delivery(
        settings, telegram_bot=tg.make_bot(), max_bot=fmax.make_bot(), setup=[setup]
    )
    assert [w.name for w in delivery.workers] == [
        "webhooks", "sender:telegram", "sender:max", "broadcasts"
    ]
    assert registered == ["telegram", "max"]
    assert delivery.senders["telegram"].kinds == [AGENT_EVENT, CUSTOMER_TEXT, NOTIFICATION]
    # run/stop cleanly through the Worker interface
    stop = asyncio.Event()
    await customer_row(project, chat_id=9, text="via worker")
    tasks = [asyncio.create_task(w.run(stop)) for w in delivery.workers]
    await tg.wait_until(lambda: tg.sent_texts(9) == ["via worker"])
    stop.set()
    await asyncio.gather(*tasks)
