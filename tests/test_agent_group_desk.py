"""The agent-desk use cases without a messenger: neutral input, membership as a port."""

from __future__ import annotations

import pytest

from models import Message, Project, Ticket
from models.enums import Author, Channel, MessageSource, Priority
from services import agent_chat, agent_chat_events, agent_desk, tickets
from services.agent_desk_types import (
    AgentRef,
    Command,
    DeskCommand,
    DeskMessage,
    DeskPress,
    DeskResult,
    DeskUser,
    Outcome,
)

CHAT = -100777
TOPIC = 40
CARD = 41
KATE = DeskUser(id=7002, name="Kate", username="kate")


class Membership:
    """The port: answers from a set, and counts the questions."""

    def __init__(self, *members: int) -> None:
        self.members = set(members)
        self.asked: list[tuple[int, int]] = []

    async def __call__(self, chat_id: int, user_id: int) -> bool:
        self.asked.append((chat_id, user_id))
        return chat_id == CHAT and user_id in self.members


@pytest.fixture(name="ticket")
async def ticket_fixture(project: Project) -> Ticket:
    code = await agent_chat.create_binding_code(project.id)
    await agent_chat.bind_chat(code.code, CHAT, is_forum=True)
    new = tickets.NewTicket(text="Late order", channel=Channel.MAX, chat_id=9001, first_name="Ann")
    ticket = await tickets.create_ticket(project, new)
    await agent_chat_events.record_topic(ticket, CHAT, TOPIC, CARD)
    return ticket


def said(
    text: str,
    user: DeskUser | None = KATE,
    topic_id: int | None = TOPIC,
    reply_to_id: int | None = None,
) -> DeskMessage:
    return DeskMessage(Channel.TELEGRAM, CHAT, 900, user, text, topic_id, reply_to_id)


async def agent_messages(ticket: Ticket) -> list[Message]:
    return list(await Message.filter(ticket_id=ticket.id, author=Author.AGENT))


async def test_a_member_replies_and_is_registered_on_first_action(
    project: Project, ticket: Ticket
) -> None:
    members = Membership(KATE.id)
    result = await agent_desk.post(said("Hello Ann"), members)
    assert result.outcome == Outcome.REPLIED and members.asked == [(CHAT, KATE.id)]
    [reply] = await agent_messages(ticket)
    assert reply.text == "Hello Ann" and reply.source == MessageSource.AGENT_CHAT
    assert await agent_desk.is_known_agent(project, KATE.id)
    # a known agent is not asked about again; "!" makes an internal note
    result = await agent_desk.post(said("!check stock"), members)
    assert result.outcome == Outcome.NOTE_SAVED and len(members.asked) == 1
    stored = {(m.text, m.internal) for m in await agent_messages(ticket)}
    assert stored == {("Hello Ann", False), ("check stock", True)}


async def test_strangers_bots_talk_and_other_commands_are_ignored(
    project: Project, ticket: Ticket
) -> None:
    members = Membership()
    assert (await agent_desk.post(said("let me in"), members)).outcome == Outcome.IGNORED
    bot = DeskUser(id=1, name="Bot", is_bot=True)
    assert (await agent_desk.post(said("beep", bot), members)).outcome == Outcome.IGNORED
    assert (await agent_desk.post(said("/start"), members)).outcome == Outcome.IGNORED
    # talk outside a ticket changes nothing; the desk says so (a chat without topics hints)
    assert (await agent_desk.post(said("coffee?", topic_id=None), members)).outcome == (
        Outcome.NO_TICKET
    )
    elsewhere = DeskMessage(Channel.TELEGRAM, -1, 900, KATE, "hi", topic_id=TOPIC)
    assert (await agent_desk.post(elsewhere, members)).outcome == Outcome.IGNORED
    assert members.asked == [(CHAT, 7002)]  # only the stranger in a ticket's topic was checked
    assert await agent_messages(ticket) == []
    assert not await agent_desk.is_known_agent(project, KATE.id)


async def test_a_reply_to_the_card_finds_the_ticket(ticket: Ticket) -> None:
    message = said("answer", topic_id=None, reply_to_id=CARD)
    assert (await agent_desk.post(message, Membership(KATE.id))).outcome == Outcome.REPLIED


async def test_commands(ticket: Ticket) -> None:
    members = Membership(KATE.id)

    async def run(
        name: Command, args: str | None = None, topic_id: int | None = TOPIC
    ) -> DeskResult:
        message = said("", topic_id=topic_id)
        return await agent_desk.command(DeskCommand(message, name, args), members)

    assert (await run(Command.PRIORITY)).command == Command.PRIORITY
    assert (await run(Command.CLOSE, topic_id=None)).outcome == Outcome.NO_TICKET
    result = await run(Command.PRIORITY, " URGENT ")
    assert result.outcome == Outcome.PRIORITY_SET and result.priority == Priority.URGENT
    assert (await run(Command.ASSIGN, "me")).assignee == "Kate"
    assert (await run(Command.CLOSE)).status == "closed"
    assert (await run(Command.NOTE, "call back")).outcome == Outcome.NOTE_SAVED


async def test_a_button_press_returns_the_card_to_redraw(ticket: Ticket) -> None:
    def pressed(button: str, value: str = "", user: DeskUser = KATE) -> DeskPress:
        return DeskPress(Channel.TELEGRAM, CHAT, user, ticket.id.hex, button, value)

    members = Membership(KATE.id)
    stranger = DeskUser(id=9999, name="Eve")
    assert (await agent_desk.press(pressed("take", user=stranger), members)).outcome == (
        Outcome.NOT_ALLOWED
    )
    taken = await agent_desk.press(pressed("take"), members)
    assert taken.card is not None and taken.card.assignee == AgentRef("Kate", "kate")
    menu = await agent_desk.press(pressed("pm"), members)
    assert menu.outcome == Outcome.MENU and menu.menu == "pm"
    result = await agent_desk.press(pressed("p", "high"), members)
    assert result.card is not None and result.card.priority == Priority.HIGH
