"""`/r` and `/find` as desk use cases, without a messenger (what a MAX front end plugs into)."""

from __future__ import annotations

import pytest

from models import Message, Project, Ticket
from models.enums import Author, Channel, TicketStatus
from services import agent_chat, agent_chat_events, agent_desk, canned_replies, tickets
from services.agent_desk_types import (
    Command,
    DeskCommand,
    DeskMessage,
    DeskPress,
    DeskResult,
    DeskUser,
    Outcome,
)
from services.canned_replies import CannedReplyInput

CHAT = -100777
TOPIC = 40
KATE = DeskUser(id=7002, name="Kate", username="kate")


async def member(chat_id: int, user_id: int) -> bool:
    return chat_id == CHAT and user_id == KATE.id


@pytest.fixture(name="ticket")
async def ticket_fixture(project: Project) -> Ticket:
    code = await agent_chat.create_binding_code(project.id)
    await agent_chat.bind_chat(code.code, CHAT, is_forum=True)
    new = tickets.NewTicket(
        text="Late order", subject="Late", channel=Channel.MAX, chat_id=9001, first_name="Ann"
    )
    ticket = await tickets.create_ticket(project, new)
    await agent_chat_events.record_topic(ticket, CHAT, TOPIC, 41)
    for code_, text in (("hello", "Hi {customer.first_name}, #{ticket.number}"), ("bye", "Bye")):
        await canned_replies.create_reply(project, CannedReplyInput(code_, code_.title(), text))
    return ticket


async def run(
    name: Command, args: str | None, topic_id: int | None = TOPIC
) -> DeskResult:
    message = DeskMessage(Channel.TELEGRAM, CHAT, 900, KATE, "", topic_id)
    return await agent_desk.command(DeskCommand(message, name, args), member)


async def agent_texts(ticket: Ticket) -> list[str]:
    return [m.text for m in await Message.filter(ticket_id=ticket.id, author=Author.AGENT)]


async def test_r_sends_lists_and_suggests(ticket: Ticket) -> None:
    sent = await run(Command.REPLY, "hello  see you")
    assert sent.outcome == Outcome.CANNED_SENT and sent.text == "Hi Ann, #1\n\nsee you"
    assert await agent_texts(ticket) == ["Hi Ann, #1\n\nsee you"]
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING

    menu = await run(Command.REPLY, None)
    assert menu.outcome == Outcome.CANNED_MENU and menu.ticket_number == 1
    assert [c.code for c in menu.choices] == ["bye", "hello"]

    unknown = await run(Command.REPLY, "helo")
    assert unknown.outcome == Outcome.CANNED_UNKNOWN and unknown.suggestions == ("hello",)
    assert len(await agent_texts(ticket)) == 1
    assert (await run(Command.REPLY, "bye", topic_id=None)).outcome == Outcome.NO_TICKET


async def test_pick_and_find(ticket: Ticket, project: Project) -> None:
    [bye] = [r for r in await canned_replies.list_replies(project) if r.code == "bye"]
    pick = DeskPress(Channel.TELEGRAM, CHAT, KATE, "1", Command.REPLY, bye.id.hex)
    assert (await agent_desk.pick_canned(pick, member)).text == "Bye"
    stranger = DeskPress(Channel.TELEGRAM, CHAT, DeskUser(1, "Eve"), "1", "r", bye.id.hex)
    assert (await agent_desk.pick_canned(stranger, member)).outcome == Outcome.NOT_ALLOWED

    found = await run(Command.FIND, "late", topic_id=None)
    assert found.outcome == Outcome.FOUND and found.text == "late"
    assert [(t.number, t.agent_topic_id) for t in found.found] == [(1, TOPIC)]
    assert (await run(Command.FIND, None)).outcome == Outcome.USAGE
