"""A MAX customer and Telegram agents: messages and files both ways, end to end — the real
maxapi client on FakeMax, the real aiogram client on FakeTelegram, both senders draining."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.max.delivery import delivery_setup
from models import Message, OutboxEvent, Ticket
from models.enums import Author, Channel, MessageSource, TicketStatus
from services import tickets
from tests.fakes.max import FakeMax, MaxUpload
from tests.test_agent_group_env import (  # noqa: F401
    AGENT,
    GROUP,
    AgentGroupEnv,
    env_fixture,
    tg_fixture,
)
from tests.test_max_env import CHAT, MaxEnv, menv_fixture, mx_fixture  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
PDF = b"%PDF-1.4 invoice" * 50


def max_file(mx: FakeMax, kind: str, content: bytes, name: str | None = None) -> dict[str, Any]:
    """A file a MAX user sends: stored on the fake so its URL downloads."""
    token = f"in-{kind}-{len(mx.uploads)}"
    mx.uploads[token] = MaxUpload(kind, token, name, None, content)
    url = f"{mx.base_url}/files/{token}"
    if kind == "image":
        return mx.updates.image(url=url, token=token)
    return mx.updates.file(name or "file.bin", url=url, token=token, size=len(content))


@pytest.fixture(name="both")
async def both_fixture(env: AgentGroupEnv, menv: MaxEnv) -> tuple[AgentGroupEnv, MaxEnv]:
    """The agent group bound; the MAX customer subscribed and in the menu."""
    await env.bind(GROUP)
    menv.project = env.project
    # the MAX sender as helpdesk.workers builds it, with the MAX bot's delivery setup
    delivery = SimpleNamespace(senders={"max": menv.sender, "telegram": env.sender})
    delivery_setup(menv.dp, menv.bot, "en")(delivery)
    await menv.start()
    await menv.click("✅ Subscribe")
    return env, menv


async def open_ticket(menv: MaxEnv, text: str, *attachments: dict[str, Any]) -> Ticket:
    await menv.click("📝 New ticket")
    await menv.say(text, attachments=list(attachments))
    await menv.click("📨 Send")
    return await Ticket.get(project_id=menv.project.id, channel=Channel.MAX)


async def topic(env: AgentGroupEnv, ticket: Ticket) -> int:
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.agent_topic_id is not None
    return ticket.agent_topic_id


async def test_max_customer_text_and_files_reach_the_topic_as_real_files(
    both: tuple[AgentGroupEnv, MaxEnv],
) -> None:
    env, menv = both
    ticket = await open_ticket(menv, "Broken screen", max_file(menv.mx, "image", PNG))
    await env.drain()
    thread = await topic(env, ticket)
    sent = env.tg.messages_in(GROUP, thread)
    assert sent[-2]["text"] == "👤 Ann:\nBroken screen"
    photo = sent[-1]["photo"][-1]
    assert env.tg.files[photo["file_id"]].content == PNG

    # a file written in the thread: a document with its name; the webhook sees the reply
    await menv.say("and the invoice", attachments=[max_file(menv.mx, "file", PDF, "bill.pdf")])
    await env.drain()
    last = env.tg.messages_in(GROUP, thread)[-1]
    assert last["document"]["file_name"] == "bill.pdf"
    assert env.tg.files[last["document"]["file_id"]].content == PDF
    replied = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied")
    assert [e.payload["data"]["author"] for e in replied] == ["customer"]
    stored = await Message.filter(ticket_id=ticket.id, author=Author.CUSTOMER).order_by(
        "created_at"
    )
    assert stored[-1].source == MessageSource.MAX
    assert stored[-1].attachments[0]["kind"] == "document"
    assert stored[-1].attachments[0]["name"] == "bill.pdf"


async def test_files_too_large_or_gone_in_max_become_a_notice(
    both: tuple[AgentGroupEnv, MaxEnv],
) -> None:
    env, menv = both
    huge = menv.mx.updates.file("backup.zip", size=60 * 1024 * 1024)  # over 50 MB
    ticket = await open_ticket(menv, "Logs attached", huge)
    gone = menv.mx.updates.file("old.pdf", url=f"{menv.mx.base_url}/files/expired", size=2048)
    await menv.say(None, attachments=[gone])
    await env.drain()
    texts = env.topic_texts(GROUP, await topic(env, ticket))
    assert any("backup.zip" in t and "(60 MB)" in t and "50 MB" in t for t in texts)
    assert any("old.pdf" in t and "2 KB" in t and "could not be downloaded" in t for t in texts)


async def test_agent_answers_and_files_reach_the_max_customer(
    both: tuple[AgentGroupEnv, MaxEnv],
) -> None:
    env, menv = both
    ticket = await open_ticket(menv, "Where is my order?")
    await env.drain()
    thread = await topic(env, ticket)

    await env.say(GROUP, AGENT, "It ships tomorrow", message_thread_id=thread)
    env.tg.add_file("AgACagentphoto", PNG, file_path="photos/agent.jpg")
    await env.say(GROUP, AGENT, None, message_thread_id=thread, photo="AgACagentphoto")
    await menv.drain()
    texts = menv.mx.sent_texts(CHAT)
    reply_at = next(i for i, t in enumerate(texts) if "It ships tomorrow" in t)
    assert "#1" in texts[reply_at]
    # the thread is shown again below the answer, with its buttons
    assert any("🎫 Ticket #1" in t and "It ships tomorrow" in t for t in texts[reply_at + 1 :])
    assert menv.labels() == ["✅ Close ticket", "⬅️ Back"]
    images = [
        a
        for m in menv.mx.sent_messages(CHAT)
        for a in m["body"]["attachments"]
        if a["type"] == "image"
    ]
    assert len(images) == 1
    assert menv.mx.uploads[images[0]["payload"]["token"]].content == PNG
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING

    # the customer answers in the thread: ticket.replied from the customer, topic updated
    await menv.say("Thanks!")
    await env.drain()
    assert env.topic_texts(GROUP, thread)[-1] == "👤 Ann:\nThanks!"
    events = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").order_by("seq")
    assert [e.payload["data"]["author"] for e in events][-1] == "customer"


async def test_agent_files_telegram_cannot_serve_are_named_for_the_customer(
    both: tuple[AgentGroupEnv, MaxEnv],
) -> None:
    env, menv = both
    ticket = await open_ticket(menv, "Send me the manual")
    await env.drain()
    thread = await topic(env, ticket)
    big = {
        "file_id": "BQbig",
        "file_unique_id": "ubig",
        "file_name": "manual.pdf",
        "file_size": 30 * 1024 * 1024,  # over the Bot API's 20 MB download limit
    }
    await env.say(GROUP, AGENT, "Here it is", message_thread_id=thread, document=big)
    await menv.drain()
    text = next(t for t in menv.mx.sent_texts(CHAT) if "Here it is" in t)
    assert "manual.pdf" in text and "(30 MB)" in text and "could not be delivered" in text
    assert not menv.mx.uploads or all(u.filename != "manual.pdf" for u in menv.mx.uploads.values())


async def test_rest_ticket_for_a_max_chat_notifies_the_customer(
    both: tuple[AgentGroupEnv, MaxEnv],
) -> None:
    _env, menv = both
    new = tickets.NewTicket(
        text="Your refund", subject="Refund", channel=Channel.MAX, chat_id=CHAT, first_name="Ann"
    )
    ticket = await tickets.create_ticket(menv.project, new)
    await menv.drain()
    assert "#1" in menv.text() and menv.labels() == ["Open ticket #1"]
    await menv.click("Open ticket #1")
    assert "🎫 Ticket #1" in menv.text() and "Your refund" in menv.text()
    assert (await Ticket.get(id=ticket.id)).channel == Channel.MAX


async def test_a_workers_only_process_moves_agent_files_to_max(
    both: tuple[AgentGroupEnv, MaxEnv],
) -> None:
    """helpdesk.workers builds the MAX sender with file transfer even without the bots."""
    from helpdesk.workers import create_delivery

    env, menv = both
    ticket = await open_ticket(menv, "The contract, please")
    await env.drain()
    thread = await topic(env, ticket)
    env.tg.add_file("BQcontract", PDF, file_path="documents/contract.pdf")
    document = {"file_id": "BQcontract", "file_unique_id": "uc", "file_name": "contract.pdf"}
    await env.say(GROUP, AGENT, "Attached", message_thread_id=thread, document=document)
    delivery = create_delivery(menv.settings, telegram_bot=env.bot, max_bot=menv.bot)
    while await delivery.senders["max"].run_once():
        pass
    files = [
        a
        for m in menv.mx.sent_messages(CHAT)
        for a in m["body"]["attachments"]
        if a["type"] == "file"
    ]
    assert len(files) == 1
    upload = menv.mx.uploads[files[0]["payload"]["token"]]
    assert upload.content == PDF and upload.filename == "contract.pdf"
