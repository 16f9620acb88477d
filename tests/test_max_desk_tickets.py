"""Agents in a MAX group chat, end to end: cards for tickets from every source, customer
messages as replies to the card, agents' replies to the customer (MAX and Telegram), notes,
commands and card buttons, the hint — the real maxapi client on FakeMax (and aiogram on
FakeTelegram for a Telegram customer), the senders draining."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest

from delivery.limits import Limit, MemoryLimiter
from models import Message, OutboundMessage, Ticket
from models.enums import Author, Channel, Priority, TicketStatus
from services import catalog
from services.notifications import CUSTOMER_TEXT
from tests.fakes.max import FakeMax
from tests.test_agent_group_env import (  # noqa: F401
    CUSTOMER_CHAT,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)
from tests.test_max_agents import PDF, PNG, max_file
from tests.test_max_desk_env import (  # noqa: F401
    DESK,
    KATE,
    MaxDeskEnv,
    desk_fixture,
    mx_fixture,
    reply_of,
)
from tests.test_max_env import CHAT, MaxEnv


@pytest.fixture(name="bound")
async def bound_fixture(desk: MaxDeskEnv) -> MaxDeskEnv:
    await desk.bind()
    return desk


async def open_max_ticket(
    mx: FakeMax, desk: MaxDeskEnv, text: str, *files: Any
) -> tuple[Ticket, MaxEnv]:
    """A MAX customer opens a ticket through the customer bot (their bench returned too)."""
    menv = MaxEnv(mx, desk.project)
    await menv.start()
    await menv.click("✅ Subscribe")
    await menv.click("📝 New ticket")
    await menv.say(text, attachments=list(files))
    await menv.click("📨 Send")
    return await Ticket.get(project_id=desk.project.id, channel=Channel.MAX), menv


async def stored(ticket: Ticket) -> list[Message]:
    return list(await Message.filter(ticket_id=ticket.id).order_by("created_at", "id"))


async def test_a_rest_ticket_gets_a_card_and_its_message_replies_to_it(bound: MaxDeskEnv) -> None:
    ticket = await bound.api_ticket("Where is my order?")
    await bound.drain()
    card = await bound.card(ticket)
    lines = card["body"]["text"].splitlines()
    assert lines[0] == "#1 · Order 17 · Web visitor"
    assert "Status: 🆕 new" in lines and "Priority: normal" in lines
    assert "Channel: virtual" in lines and "Assignee: —" in lines
    from tests.test_max_env import buttons_of

    assert [b["text"] for b in buttons_of(card)] == [
        "🙋 Take", "Priority ▸", "Status ▸", "✅ Close",
    ]
    relayed = bound.posts()[-1]
    assert relayed["body"]["text"] == "👤 #1 · Web visitor:\nWhere is my order?"
    assert reply_of(relayed) == card["body"]["mid"]

    # an agent answers by replying to the card: stored, the webhook hears it
    await bound.say(KATE, "We are on it", reply_to=card["body"]["mid"])
    agent_message = (await stored(ticket))[-1]
    assert (agent_message.author, agent_message.text) == (Author.AGENT, "We are on it")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING
    assert "ticket.replied" in await bound.webhook_events(ticket)
    # Kate is an agent now, known by her MAX id, listed and assignable
    [kate] = await catalog.list_agents(bound.project.id)
    assert kate.max_user_id == KATE and catalog.agent_view(kate)["platforms"] == ["max"]


async def test_a_max_customer_and_the_agents_talk_through_the_card(
    mx: FakeMax, bound: MaxDeskEnv
) -> None:
    ticket, menv = await open_max_ticket(
        mx, bound, "Broken screen", max_file(mx, "image", PNG)
    )
    await bound.drain()
    card_mid = await bound.card_mid(ticket)
    assert (await bound.card_text(ticket)).startswith("#1 · ")
    relayed = bound.posts()[-1]
    assert relayed["body"]["text"] == "👤 #1 · Ann:\nBroken screen"
    assert reply_of(relayed) == card_mid
    [image] = [a for a in relayed["body"]["attachments"] if a["type"] == "image"]
    assert mx.uploads[image["payload"]["token"]].content == PNG

    # a reply to the relayed message reaches the customer's MAX dialog
    await bound.say(KATE, "Send a photo of the box", reply_to=relayed["body"]["mid"])
    await bound.drain()
    assert any("Send a photo of the box" in t for t in mx.sent_texts(CHAT))

    # "!" and "/note" make internal notes: stored, nothing for the customer
    sent_before = len(mx.sent_texts(CHAT))
    await bound.say(KATE, "!check the warranty", reply_to=card_mid)
    assert bound.last_text() == "📝 Internal note saved."
    await bound.say(KATE, "/note warranty ok", reply_to=card_mid)
    notes = [m for m in await stored(ticket) if m.internal]
    assert [n.text for n in notes] == ["check the warranty", "warranty ok"]
    await bound.drain()
    assert len(mx.sent_texts(CHAT)) == sent_before

    # the customer writes again: a reply to the same card; an agent's file goes across
    await menv.say("Here is the box", attachments=[max_file(mx, "file", PDF, "box.pdf")])
    await bound.drain()
    again = bound.posts()[-1]
    assert again["body"]["text"] == "👤 #1 · Ann:\nHere is the box" and reply_of(again) == card_mid
    assert [a["type"] for a in again["body"]["attachments"]] == ["file"]
    await bound.say(
        KATE, "Thanks, see the form", reply_to=again["body"]["mid"],
        attachments=[max_file(mx, "file", PDF, "form.pdf")],
    )
    await bound.drain()
    last = mx.sent_messages(CHAT)
    answer = next(m for m in last if "Thanks, see the form" in (m["body"]["text"] or ""))
    assert [a["type"] for a in answer["body"]["attachments"]] == ["file"]


async def test_a_telegram_customer_gets_the_max_agents_answer_in_telegram(
    mx: FakeMax, project: Any, env: AgentGroupEnv
) -> None:
    desk = MaxDeskEnv(mx, project, telegram_sender=env.sender)
    await desk.bind()
    env.tg.add_file("AgACcustomer", PNG, file_path="photos/customer.jpg")
    photo = {"kind": "photo", "file_id": "AgACcustomer", "size": len(PNG)}
    ticket = await env.telegram_ticket("My order is late", attachments=[photo])
    await desk.drain()
    card_mid = await desk.card_mid(ticket)
    assert (await desk.card_text(ticket)).startswith("#1 · Late order · Ann")
    relayed = desk.posts()[-1]
    assert relayed["body"]["text"] == "👤 #1 · Ann:\nMy order is late"
    assert reply_of(relayed) == card_mid
    # the Telegram photo was moved across to MAX
    [image] = relayed["body"]["attachments"]
    assert image["type"] == "image" and mx.uploads[image["payload"]["token"]].content == PNG

    # Kate answers in MAX with a file: the customer gets both in Telegram
    await desk.say(
        KATE, "Sorry! Here is the label", reply_to=card_mid,
        attachments=[max_file(mx, "file", PDF, "label.pdf")],
    )
    await env.drain()
    sent = env.tg.messages_in(CUSTOMER_CHAT)
    text = " ".join((m.get("text") or m.get("caption") or "") for m in sent)
    assert "Sorry! Here is the label" in text
    [document] = [m["document"] for m in sent if "document" in m]
    assert env.tg.files[document["file_id"]].content == PDF
    rows = await OutboundMessage.filter(ticket_id=ticket.id, kind=CUSTOMER_TEXT)
    assert [r.channel for r in rows] == ["telegram"]


async def test_commands_as_replies_change_the_ticket_and_the_card(bound: MaxDeskEnv) -> None:
    ticket = await bound.api_ticket()
    await bound.drain()
    card_mid = await bound.card_mid(ticket)

    async def command(text: str) -> str:
        await bound.say(KATE, text, reply_to=card_mid)
        answer = bound.last_text()
        await bound.drain()
        return answer

    assert await command("/assign me") == "🙋 Assigned to Kate."
    assert "Assignee: Kate (@kate)" in await bound.card_text(ticket)
    assert await command("/priority high") == "Priority: ⚠️ high."
    assert "Priority: ⚠️ high" in await bound.card_text(ticket)
    assert await command("/status in_progress") == "Status: 🛠 in progress."
    assert "Status: 🛠 in progress" in await bound.card_text(ticket)
    assert await command("/close") == "Status: ✅ closed."
    assert "Status: ✅ closed" in await bound.card_text(ticket)
    assert await command("/reopen") == "Status: 🔄 open."
    assert "Status: 🔄 open" in await bound.card_text(ticket)
    assert await command("/priority") == "Usage: /priority low|normal|high|urgent"
    assert (await command("/assign @nobody")).startswith("Not found")

    changed = await Ticket.get(id=ticket.id)
    assert (changed.priority, changed.status) == (Priority.HIGH, TicketStatus.OPEN)
    events = await bound.webhook_events(ticket)
    assert {"ticket.assigned", "ticket.priority_changed", "ticket.status_changed"} <= set(events)
    assert events.count("ticket.status_changed") == 3
    # the card was edited in place: still one card, no new ones
    cards = [p for p in bound.posts() if p["body"]["text"].startswith("#1 · ")]
    assert len(cards) == 1


async def test_card_buttons_change_the_ticket_and_redraw_the_card(bound: MaxDeskEnv) -> None:
    ticket = await bound.api_ticket()
    await bound.drain()
    await bound.press(KATE, "🙋 Take", ticket)
    assert "Assignee: Kate" in await bound.card_text(ticket)
    await bound.press(KATE, "Priority ▸", ticket)
    await bound.press(KATE, "🔥 urgent", ticket)
    assert "Priority: 🔥 urgent" in await bound.card_text(ticket)
    await bound.press(KATE, "Status ▸", ticket)
    await bound.press(KATE, "⏳ waiting for the customer", ticket)
    assert "Status: ⏳ waiting" in await bound.card_text(ticket)
    await bound.press(KATE, "✅ Close", ticket)
    assert "Status: ✅ closed" in await bound.card_text(ticket)
    await bound.press(KATE, "🔄 Reopen", ticket)
    await bound.drain()  # the queued events find the card up to date: edited, not re-posted
    assert "Status: 🔄 open" in await bound.card_text(ticket)
    changed = await Ticket.get(id=ticket.id)
    assert (changed.priority, changed.status) == (Priority.URGENT, TicketStatus.OPEN)
    assert changed.assignee_id is not None
    events = await bound.webhook_events(ticket)
    assert events.count("ticket.status_changed") == 3 and "ticket.assigned" in events
    notified = [c for c in bound.mx.calls_to("POST /answers") if c.ok]
    assert notified, "each press is answered"


async def test_a_stranger_cannot_press_card_buttons(bound: MaxDeskEnv) -> None:
    from tests.test_max_desk_env import STRANGER

    ticket = await bound.api_ticket()
    await bound.drain()
    await bound.press(STRANGER, "🙋 Take", ticket)
    assert (await Ticket.get(id=ticket.id)).assignee_id is None
    answer = bound.mx.calls_to("POST /answers")[-1]
    assert "Only members" in str(answer.body)


async def test_a_message_outside_a_ticket_gets_a_hint_and_goes_nowhere(
    bound: MaxDeskEnv,
) -> None:
    ticket = await bound.api_ticket()
    await bound.drain()
    await bound.say(KATE, "coffee anyone?")
    assert bound.last_text().startswith("↩️ To answer a ticket, reply to its card")
    # a reply to a message that is not a ticket's (the bot's /connect answer)
    connect_answer = next(p for p in bound.posts() if "is now the agent chat" in p["body"]["text"])
    await bound.say(KATE, "thanks bot", reply_to=connect_answer["body"]["mid"])
    assert bound.last_text().startswith("↩️ To answer a ticket")
    assert [m.author for m in await stored(ticket)] == [Author.CUSTOMER]
    # the bot's own hint is no agent's message: never answered
    hints = [t for t in bound.texts() if t.startswith("↩️")]
    assert len(hints) == 2


async def test_an_agents_edit_in_max_follows_to_the_telegram_customer(
    mx: FakeMax, project: Any, env: AgentGroupEnv
) -> None:
    desk = MaxDeskEnv(mx, project, telegram_sender=env.sender)
    await desk.bind()
    ticket = await env.telegram_ticket("Is it in stock?")
    await desk.drain()
    said = await desk.say(KATE, "Yes, 3 left", reply_to=await desk.card_mid(ticket))
    await env.drain()
    mid = said["message"]["body"]["mid"]
    await desk.feed(mx.updates.message_edited(DESK, KATE, "Yes, 2 left", mid, first_name="Kate"))
    [reply] = [m for m in await stored(ticket) if m.author == Author.AGENT]
    assert reply.text == "Yes, 2 left" and reply.edited_at is not None
    await env.drain()
    texts = [m.get("text") or "" for m in env.tg.messages_in(CUSTOMER_CHAT)]
    assert any("Yes, 2 left" in t for t in texts)
    assert not any("Yes, 3 left" in t for t in texts)


class RecordingLimiter(MemoryLimiter):
    """Counts the reservations per limit key (time leaps: pacing never sleeps)."""

    def __init__(self) -> None:
        ticks = itertools.count(0, 1000)
        super().__init__(now=lambda: next(ticks))
        self.reserved: list[str] = []

    async def reserve(self, limits: Sequence[Limit]) -> float:
        wait = await super().reserve(limits)
        if wait == 0:
            self.reserved += [limit.key for limit in limits]
        return wait


async def test_every_call_to_the_agent_chat_goes_through_the_shared_limiter(
    bound: MaxDeskEnv,
) -> None:
    limiter = RecordingLimiter()
    bound.sender.limiter = limiter
    bound.mx.reset_calls()  # the /connect answer is the front end's
    ticket = await bound.api_ticket()
    await bound.drain()
    await bound.say(KATE, "/priority urgent", reply_to=await bound.card_mid(ticket))
    edits_before = len(bound.mx.calls_to("PUT /messages"))
    await bound.drain()  # the card edit
    chat_calls = [
        c for c in bound.mx.calls
        if c.ok and c.chat_id == DESK and c.method in ("POST", "PUT") and c.path == "/messages"
    ]
    # the card, the relayed message, the edit — and the command's answer, sent by the front
    # end directly like every bot's reply to an update
    assert len(bound.mx.calls_to("PUT /messages")) == edits_before + 1
    assert limiter.reserved.count("max:all") == len(chat_calls) - 1


async def test_canned_replies_and_find_work_in_the_max_agent_chat(bound: MaxDeskEnv) -> None:
    """`/r` and `/find` are the agent desk's commands, so they work in MAX as in Telegram;
    MAX shows the `/r` list and the matches as text."""
    from services import canned_replies

    await canned_replies.create_reply(
        bound.project,
        canned_replies.CannedReplyInput(
            code="thanks", title="Thank you", text="Thanks, {customer.first_name}! #{ticket.number}"
        ),
    )
    ticket = await bound.api_ticket(subject="Refund for order")
    await bound.drain()
    card_mid = await bound.card_mid(ticket)

    await bound.say(KATE, "/r", reply_to=card_mid)
    assert bound.last_text().splitlines()[1:] == ["/r thanks — Thank you"]
    await bound.say(KATE, "/r thank", reply_to=card_mid)
    assert "thanks" in bound.last_text() and "Nothing was sent" in bound.last_text()
    await bound.say(KATE, "/r thanks", reply_to=card_mid)
    assert bound.last_text().endswith("Thanks, Web visitor! #1")
    replies = await Message.filter(ticket_id=ticket.id, author=Author.AGENT)
    assert [m.text for m in replies] == ["Thanks, Web visitor! #1"]  # the unknown code sent nothing
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING

    await bound.say(KATE, "/find refund")
    assert bound.last_text().splitlines()[1].startswith("#1 · Refund for order")
