"""Ticket use cases against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from models import OutboundMessage, OutboxEvent, Ticket
from models.enums import Channel, MessageSource, TicketStatus
from services import catalog, tickets
from services.errors import NotFound, TicketClosed, ValidationFailed, WrongChannel
from services.projects import create_project
from tests.conftest import ON_POSTGRES


async def test_numbers_are_per_project_and_sequential(project):
    other, _ = await create_project(name="Other")
    a = [await tickets.create_ticket(project, tickets.NewTicket(text=f"t{i}")) for i in range(3)]
    b = await tickets.create_ticket(other, tickets.NewTicket(text="x"))
    assert [t.number for t in a] == [1, 2, 3]
    assert b.number == 1


async def test_concurrent_creation_gives_unique_gap_free_numbers(project):
    other, _ = await create_project(name="Other")
    count = 200 if ON_POSTGRES else 50  # SQLite serialises writers anyway
    created = await asyncio.gather(
        *(
            tickets.create_ticket(target, tickets.NewTicket(text=f"c{i}"))
            for i in range(count)
            for target in (project, other)
        )
    )
    for target in (project, other):
        numbers = sorted(t.number for t in created if t.project_id == target.id)
        assert numbers == list(range(1, count + 1))
    assert await Ticket.filter(project_id=project.id).count() == count


async def test_create_records_event_and_notifies_messenger_customer(project):
    ticket = await tickets.create_ticket(
        project,
        tickets.NewTicket(text="Help", channel=Channel.TELEGRAM, chat_id=42, first_name="Ann"),
    )
    assert ticket.subscriber_id is not None
    events = await OutboxEvent.filter(ticket_id=ticket.id).values_list("event", flat=True)
    assert events == ["ticket.created"]
    outbound = await OutboundMessage.get(ticket_id=ticket.id)
    assert outbound.chat_id == 42 and "#1" in outbound.payload["text"]


async def test_chat_id_required_for_messenger_channels(project):
    with pytest.raises(ValidationFailed):
        await tickets.create_ticket(project, tickets.NewTicket(text="x", channel=Channel.MAX))
    assert await Ticket.all().count() == 0


async def test_reply_rules(project):
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="Hi"))
    agent = await catalog.add_agent(project, name="Bob")
    await tickets.agent_reply(project, ticket.id, "Hello", agent_id=agent.id)
    fresh = await Ticket.get(id=ticket.id)
    assert fresh.status == TicketStatus.WAITING and fresh.first_response_at is not None
    await tickets.customer_message(project, ticket.id, "more", source=MessageSource.API)
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.IN_PROGRESS
    await tickets.change_status(project, ticket.id, "closed")
    with pytest.raises(TicketClosed):
        await tickets.agent_reply(project, ticket.id, "late")
    with pytest.raises(TicketClosed):
        await tickets.customer_message(project, ticket.id, "late", source=MessageSource.API)
    await tickets.customer_message(project, ticket.id, "back", source=MessageSource.TELEGRAM)
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN


async def test_new_cannot_be_set_and_virtual_only_customer_reply(project):
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="Hi", channel=Channel.TELEGRAM, chat_id=7)
    )
    with pytest.raises(ValidationFailed):
        await tickets.change_status(project, ticket.id, "new")
    with pytest.raises(WrongChannel):
        await tickets.customer_message(project, ticket.id, "x", source=MessageSource.API)


async def test_other_projects_ticket_is_not_found(project):
    other, _ = await create_project(name="Other")
    ticket = await tickets.create_ticket(other, tickets.NewTicket(text="secret"))
    with pytest.raises(NotFound):
        await tickets.get_ticket(project, ticket.id)
    with pytest.raises(NotFound):
        await tickets.get_ticket(project, "not-a-uuid")


async def test_long_agent_reply_reaches_the_customer_whole(project):
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="Hi", channel=Channel.TELEGRAM, chat_id=99)
    )
    long_text = "word " * 790  # ~3950 characters: over Fluent's 2500-character placeable cap
    await tickets.agent_reply(project, ticket.id, long_text)
    outbound = await OutboundMessage.filter(ticket_id=ticket.id).order_by("-created_at").first()
    assert outbound is not None
    assert outbound.payload["text"].endswith(long_text.strip())
    assert "{???}" not in outbound.payload["text"]
