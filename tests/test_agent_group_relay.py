"""Tickets in the agent group: topics and cards, customer ↔ agent relay, edits, self-healing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from delivery.telegram_agent_chat import place
from delivery.text import split_text, utf16_len
from models import Message, OutboundMessage, Ticket
from models.enums import Author, Channel, DeliveryStatus, MessageSource, TicketStatus
from services import agent_chat_edits, agent_desk, tickets
from services.customer_messages import customer_message
from services.notifications import AGENT_EVENT
from tests.test_agent_group_env import (  # noqa: F401
    AGENT,
    CUSTOMER_CHAT,
    GROUP,
    PLAIN_GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)


async def topic_of(env: AgentGroupEnv, ticket: Ticket) -> int:
    ticket = await env.ticket(ticket)
    assert ticket.agent_chat_id == GROUP and ticket.agent_topic_id is not None
    return ticket.agent_topic_id


@pytest.mark.parametrize(
    ("source", "channel", "chat_id"),
    [
        (MessageSource.TELEGRAM, Channel.TELEGRAM, CUSTOMER_CHAT),
        (MessageSource.MAX, Channel.MAX, 9001),
        (MessageSource.API, Channel.VIRTUAL, None),
    ],
)
async def test_a_ticket_from_each_source_gets_a_topic_and_a_card(
    env: AgentGroupEnv, source: MessageSource, channel: Channel, chat_id: int | None
) -> None:
    await env.bind(GROUP)
    new = tickets.NewTicket(
        text="Printer is on fire",
        subject="Printer",
        channel=channel,
        chat_id=chat_id,
        first_name="Bob",
        source=source,
    )
    ticket = await tickets.create_ticket(env.project, new)
    await env.drain()
    thread = await topic_of(env, ticket)
    topic = env.tg.topic(GROUP, thread)
    assert topic is not None and topic.name == "#1 · Printer · Bob" and topic.state == "open"
    ticket = await env.ticket(ticket)
    card = env.card(ticket)
    assert card["message_thread_id"] == thread
    assert "Ticket #1: Printer" in card["text"] and f"Channel: {channel}" in card["text"]
    buttons = [b for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["🙋 Take", "Priority ▸", "Status ▸", "✅ Close"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    texts = env.topic_texts(GROUP, thread)
    assert texts[-1] == "👤 Bob:\nPrinter is on fire"
    first = (await env.messages(ticket))[0]
    assert first.agent_chat_message_id is not None
    assert await env.undelivered() == []


async def test_topic_names_fit_telegram(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket(subject="x" * 200, first_name="N" * 150)
    await env.drain()
    topic = env.tg.topic(GROUP, await topic_of(env, ticket))
    assert topic is not None and len(topic.name) == 128 and topic.name.endswith("…")


async def test_customer_messages_with_media_are_copied_into_the_topic(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await customer_message(
        env.project,
        ticket.id,
        "see the photo",
        source=MessageSource.TELEGRAM,
        attachments=[{"kind": "photo", "file_id": "AgACphoto1", "name": None, "size": 10}],
    )
    await env.drain()
    thread = await topic_of(env, ticket)
    sent = env.tg.messages_in(GROUP, thread)
    assert sent[-2]["text"] == "👤 Ann:\nsee the photo"
    assert sent[-1]["photo"][-1]["file_id"] == "AgACphoto1"


async def test_max_attachments_become_a_notice(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    new = tickets.NewTicket(
        text="",
        channel=Channel.MAX,
        chat_id=9001,
        first_name="Max",
        source=MessageSource.MAX,
        attachments=[{"kind": "document", "file_id": "max-token", "name": "bill.pdf"}],
    )
    ticket = await tickets.create_ticket(env.project, new)
    await env.drain()
    texts = env.topic_texts(GROUP, await topic_of(env, ticket))
    assert "Max sent document bill.pdf in MAX" in texts[-1]


async def test_rest_reply_shows_in_the_topic_marked_as_api(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await tickets.agent_reply(env.project, ticket.id, "We are on it")
    await tickets.agent_reply(env.project, ticket.id, "check stock", internal=True)
    await env.drain()
    texts = env.topic_texts(GROUP, await topic_of(env, ticket))
    assert "(sent via API):\nWe are on it" in texts[-2]
    assert "Internal note" in texts[-1] and "check stock" in texts[-1]
    # the customer got the reply once, from the customer_text row
    assert any("We are on it" in t for t in env.tg.sent_texts(CUSTOMER_CHAT))


async def test_agent_message_in_the_topic_reaches_the_customer(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    await env.say(GROUP, AGENT, "Hello Ann, we found it", message_thread_id=thread)
    await env.say(GROUP, AGENT, None, message_thread_id=thread, photo="AgACagentphoto")
    stored = [m for m in await env.messages(ticket) if m.author == Author.AGENT]
    assert [m.text for m in stored] == ["Hello Ann, we found it", ""]
    assert stored[0].source == MessageSource.AGENT_CHAT and not stored[0].internal
    assert stored[0].agent_chat_message_id is not None
    assert stored[1].attachments[0]["file_id"] == "AgACagentphoto"
    assert len(await env.customer_rows(ticket)) == 2
    assert (await env.ticket(ticket)).status == TicketStatus.WAITING
    assert "ticket.replied" in await env.webhook_events(ticket)
    await env.drain()
    assert any("Hello Ann, we found it" in t for t in env.tg.sent_texts(CUSTOMER_CHAT))
    photos = [c for c in env.tg.calls_to("sendPhoto", ok=True) if c.chat_id == CUSTOMER_CHAT]
    assert photos and photos[0].params["photo"] == "AgACagentphoto"
    # the agent's own message is not echoed back into the topic
    assert not any("we found it" in t for t in env.topic_texts(GROUP, thread))


async def test_internal_notes_stay_internal(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    await env.say(GROUP, AGENT, "!customer seems upset", message_thread_id=thread)
    await env.say(GROUP, AGENT, "/note call them tomorrow", message_thread_id=thread)
    notes = [m for m in await env.messages(ticket) if m.author == Author.AGENT]
    assert [(m.text, m.internal) for m in notes] == [
        ("customer seems upset", True),
        ("call them tomorrow", True),
    ]
    assert await env.customer_rows(ticket) == []
    await env.drain()
    assert not any("upset" in t or "tomorrow" in t for t in env.tg.sent_texts(CUSTOMER_CHAT))
    assert (await env.ticket(ticket)).status == TicketStatus.NEW


async def test_ordinary_talk_and_strangers_are_ignored(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    await env.say(GROUP, AGENT, "coffee anyone?")  # General topic, not a reply
    env.tg.set_member(GROUP, 8888, "left")
    await env.say(GROUP, 8888, "let me in", message_thread_id=thread)
    assert [m.author for m in await env.messages(ticket)] == [Author.CUSTOMER]
    assert await agent_desk.is_known_agent(env.project, 8888) is False


async def test_plain_group_routes_replies_to_the_ticket(env: AgentGroupEnv) -> None:
    await env.bind(PLAIN_GROUP, forum=False)
    first = await env.telegram_ticket()
    second = await env.telegram_ticket("second problem", chat_id=556, first_name="Cy")
    await env.drain()
    first, second = await env.ticket(first), await env.ticket(second)
    assert first.agent_topic_id is None and first.agent_card_message_id is not None
    assert any("Ticket #2" in t for t in env.tg.sent_texts(PLAIN_GROUP))
    # reply to the card of #1, then to the relayed customer message of #2
    await env.say(PLAIN_GROUP, AGENT, "answer one", reply_to=first.agent_card_message_id)
    relayed = (await env.messages(second))[0].agent_chat_message_id
    assert relayed is not None
    await env.say(PLAIN_GROUP, AGENT, "answer two", reply_to=relayed)
    await env.say(PLAIN_GROUP, AGENT, "not a reply at all")
    assert [m.text for m in await env.messages(first)][-1] == "answer one"
    assert [m.text for m in await env.messages(second)][-1] == "answer two"
    await env.drain()
    assert any("answer one" in t for t in env.tg.sent_texts(CUSTOMER_CHAT))
    assert any("answer two" in t for t in env.tg.sent_texts(556))


async def test_agent_edit_within_48_hours_edits_the_customer_copy(
    env: AgentGroupEnv, frozen_clock
) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    await env.say(GROUP, AGENT, "Your refund is 10", message_thread_id=thread)
    await env.drain()
    reply = next(m for m in await env.messages(ticket) if m.author == Author.AGENT)
    assert reply.agent_chat_message_id is not None
    edit = env.updates.edited_message(
        GROUP, AGENT, "Your refund is 100", reply.agent_chat_message_id, message_thread_id=thread
    )
    await env.feed(edit)
    await env.drain()
    assert (await Message.get(id=reply.id)).text == "Your refund is 100"
    edits = env.tg.calls_to("editMessageText", ok=True)
    assert any(c.chat_id == CUSTOMER_CHAT and "refund is 100" in (c.text or "") for c in edits)
    # after 48 hours the customer's copy stays as it was
    frozen_clock.advance(hours=49)
    late = env.updates.edited_message(
        GROUP, AGENT, "Your refund is 1000", reply.agent_chat_message_id, message_thread_id=thread
    )
    await env.feed(late)
    assert "48 hours" in env.tg.sent_texts(GROUP)[-1]
    assert (await Message.get(id=reply.id)).text == "Your refund is 100"


async def test_customer_edit_shows_as_an_edited_copy(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket(customer_message_id="77")
    await env.drain()
    edited = await agent_chat_edits.customer_edited(
        env.project, ticket.id, "77", "My order #123 is late"
    )
    assert edited is not None and edited.edited_at is not None
    await env.drain()
    thread = await topic_of(env, ticket)
    last = env.tg.messages_in(GROUP, thread)[-1]
    assert last["text"] == "✏️ Ann edited the message:\nMy order #123 is late"
    assert last["reply_to_message"]["message_id"] == edited.agent_chat_message_id


async def test_a_deleted_topic_is_recreated_and_nothing_is_lost(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await tickets.agent_reply(env.project, ticket.id, "What is the order number?")
    await env.drain()
    old = await topic_of(env, ticket)
    env.tg.delete_topic(GROUP, old)
    for text in ("It is 123", "Hello?"):
        await customer_message(env.project, ticket.id, text, source=MessageSource.TELEGRAM)
    await env.drain()
    new = await topic_of(env, ticket)
    assert new != old and env.tg.topic(GROUP, new).state == "open"  # type: ignore[union-attr]
    texts = env.topic_texts(GROUP, new)
    assert texts[0].startswith("🎫 Ticket #1")
    assert "recreated" in texts[1] and "What is the order number?" in texts[1]
    assert texts[2:] == ["👤 Ann:\nIt is 123", "👤 Ann:\nHello?"]
    assert await env.undelivered() == []


async def test_a_closed_topic_is_reopened_for_a_customer_message(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    env.tg.close_topic(GROUP, thread)  # closed by hand in Telegram, ticket still open
    await customer_message(
        env.project, ticket.id, "still there?", source=MessageSource.TELEGRAM
    )
    await env.drain()
    assert env.tg.topic(GROUP, thread).state == "open"  # type: ignore[union-attr]
    assert env.topic_texts(GROUP, thread)[-1] == "👤 Ann:\nstill there?"


async def test_topic_creation_is_paced_and_no_ticket_is_dropped(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    env.tg.fail_next("createForumTopic", 429, retry_after=1)
    ticket = await env.telegram_ticket()
    await env.drain()
    row = await OutboundMessage.get(ticket_id=ticket.id, kind=AGENT_EVENT)
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1  # waits, not dropped
    await OutboundMessage.filter(id=row.id).update(next_attempt_at=row.created_at - timedelta(1))
    await env.drain()
    assert (await env.ticket(ticket)).agent_topic_id is not None
    assert await env.undelivered() == []


async def test_a_failed_card_send_reuses_the_topic_on_retry(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    env.tg.fail_next("sendMessage", 429, retry_after=1, chat_id=GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    row = await OutboundMessage.get(ticket_id=ticket.id, kind=AGENT_EVENT)
    await OutboundMessage.filter(id=row.id).update(next_attempt_at=row.created_at - timedelta(1))
    await env.drain()
    assert len(env.tg.calls_to("createForumTopic", ok=True)) == 1
    assert env.card(await env.ticket(ticket))["message_thread_id"] == await topic_of(env, ticket)


async def test_an_album_from_an_agent_reaches_the_customer_whole(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    for index, file_id in enumerate(("AgACalbum1", "AgACalbum2")):
        await env.say(
            GROUP,
            AGENT,
            None,
            message_thread_id=thread,
            photo=file_id,
            caption="both receipts" if index == 0 else None,
            media_group_id="album42",
        )
    await env.say(GROUP, AGENT, None, message_thread_id=thread, document="BQACdoc", voice=None)
    await env.drain()
    sent = [
        c.params.get("photo") or c.params.get("document")
        for c in env.tg.successful_sends(CUSTOMER_CHAT)
        if c.method.lower() in ("sendphoto", "senddocument")
    ]
    assert sent == ["AgACalbum1", "AgACalbum2", "BQACdoc"]


async def test_a_customer_edit_in_the_private_chat_reaches_the_topic(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    sent_id = 31  # the customer's message that opened the ticket
    ticket = await env.telegram_ticket("My order is lte", customer_message_id=str(sent_id))
    await env.drain()
    await env.feed(
        env.updates.edited_message(CUSTOMER_CHAT, CUSTOMER_CHAT, "My order is late", sent_id)
    )
    await env.drain()
    assert (await env.messages(ticket))[0].text == "My order is late"
    texts = env.topic_texts(GROUP, await topic_of(env, ticket))
    assert texts[-1] == "✏️ Ann edited the message:\nMy order is late"


async def _make_due(ticket: Ticket) -> None:
    row = await OutboundMessage.get(ticket_id=ticket.id, kind=AGENT_EVENT, status="pending")
    assert row.attempts == 1  # put off after the fault, not dropped
    await OutboundMessage.filter(id=row.id).update(next_attempt_at=row.created_at - timedelta(1))


async def test_a_retry_after_a_failed_second_part_sends_no_part_twice(
    env: AgentGroupEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    before = len(env.tg.messages_in(GROUP, thread))
    monkeypatch.setattr(place, "TEXT_LIMIT", 200)  # a long text, in small parts
    text = " ".join(f"w{i:04d}" for i in range(80))  # ~480 chars: three parts
    await customer_message(env.project, ticket.id, text, source=MessageSource.TELEGRAM)
    send_message = env.sender.bot.send_message
    calls = 0

    async def second_part_fails(*args: object, **kw: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:  # the fake answers this one with a 500
            env.tg.fail_next("sendMessage", 500, chat_id=GROUP)
        return await send_message(*args, **kw)

    monkeypatch.setattr(env.sender.bot, "send_message", second_part_fails)
    await env.drain()
    assert len(env.tg.messages_in(GROUP, thread)) == before + 1  # only the first part so far
    await _make_due(ticket)
    await env.drain()
    parts = env.topic_texts(GROUP, thread)[before:]
    expected = split_text(f"👤 Ann:\n{text}", 200, utf16_len)
    assert len(expected) >= 3 and parts == expected  # every part once, in order
    relayed = (await env.messages(ticket))[-1]
    first = env.tg.messages_in(GROUP, thread)[before]
    assert relayed.agent_chat_message_id == first["message_id"]
    assert await env.undelivered() == []


async def test_a_retry_after_a_failed_photo_does_not_repeat_the_text(env: AgentGroupEnv) -> None:
    await env.bind(GROUP)
    ticket = await env.telegram_ticket()
    await env.drain()
    thread = await topic_of(env, ticket)
    await customer_message(
        env.project,
        ticket.id,
        "two photos",
        source=MessageSource.TELEGRAM,
        attachments=[
            {"kind": "photo", "file_id": "AgACphotoA", "name": None, "size": 10},
            {"kind": "photo", "file_id": "AgACphotoB", "name": None, "size": 10},
        ],
    )
    env.tg.fail_next("sendPhoto", 500, chat_id=GROUP)
    await env.drain()
    await _make_due(ticket)
    await env.drain()
    sent = env.tg.messages_in(GROUP, thread)
    assert [m.get("text") for m in sent].count("👤 Ann:\ntwo photos") == 1
    photos = [m["photo"][-1]["file_id"] for m in sent if "photo" in m]
    assert photos == ["AgACphotoA", "AgACphotoB"]
    assert await env.undelivered() == []
