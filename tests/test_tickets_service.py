"""Ticket use cases against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from models import OutboundMessage, OutboxEvent, Project, Ticket
from models.enums import Channel, MessageSource, TicketStatus
from services import agent_chat_events, catalog, ticket_queries, tickets
from services.customer_messages import customer_message
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
    await customer_message(project, ticket.id, "more", source=MessageSource.API)
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.IN_PROGRESS
    await tickets.change_status(project, ticket.id, "closed")
    with pytest.raises(TicketClosed):
        await tickets.agent_reply(project, ticket.id, "late")
    with pytest.raises(TicketClosed):
        await customer_message(project, ticket.id, "late", source=MessageSource.API)
    await customer_message(project, ticket.id, "back", source=MessageSource.TELEGRAM)
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN


async def test_new_cannot_be_set_and_virtual_only_customer_reply(project):
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="Hi", channel=Channel.TELEGRAM, chat_id=7)
    )
    with pytest.raises(ValidationFailed):
        await tickets.change_status(project, ticket.id, "new")
    with pytest.raises(WrongChannel):
        await customer_message(project, ticket.id, "x", source=MessageSource.API)


async def test_other_projects_ticket_is_not_found(project):
    other, _ = await create_project(name="Other")
    ticket = await tickets.create_ticket(other, tickets.NewTicket(text="secret"))
    with pytest.raises(NotFound):
        await ticket_queries.get_ticket(project, ticket.id)
    with pytest.raises(NotFound):
        await ticket_queries.get_ticket(project, "not-a-uuid")


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


async def _raw(query: str, *args: object) -> dict:
    from services import sql

    row = await sql.fetch_one(query, *args)
    assert row is not None
    return row


async def test_customer_message_rows_read_back_as_the_orm_writes_them(project):
    """The thread write path stores its rows with hand-written SQL: they read back through
    the ORM as the ORM's own inserts do, in the same stored formats."""
    from models import Message
    from models.enums import Author

    project.agent_chat_id = -1001
    await project.save()
    ticket_type = await catalog.create_ticket_type(project, name="Billing")
    agent = await catalog.add_agent(project, name="Bob")
    ticket = await tickets.create_ticket(
        project,
        tickets.NewTicket(
            text="Hi", channel=Channel.TELEGRAM, chat_id=42, ticket_type_id=ticket_type.id
        ),
    )
    await tickets.assign(project, ticket.id, agent.id)
    # the ORM's own insert, for the stored formats
    orm_message = await tickets.agent_reply(project, ticket.id, "ORM", agent_id=agent.id)
    attachments = [{"kind": "photo", "file_id": "f1", "name": "снимок ✓.jpg", "size": 3}]
    written = await customer_message(
        None,
        ticket.id,
        "Привет — \"quoted\" ✓",
        source=MessageSource.TELEGRAM,
        attachments=attachments,
        subscriber_id=ticket.subscriber_id,
        customer_message_id="77",
    )
    message = written.message
    # the returned ticket: locked row with its relations, as before
    ticket_type_read, assignee_read = message.ticket.ticket_type, message.ticket.assignee
    assert ticket_type_read is not None and ticket_type_read.name == "Billing"
    assert assignee_read is not None and assignee_read.name == "Bob"
    assert message.ticket.project.agent_chat_id == -1001
    assert message.ticket.status == TicketStatus.IN_PROGRESS  # it was waiting

    stored = await Message.get(id=message.id)
    assert stored.author == Author.CUSTOMER and stored.source == MessageSource.TELEGRAM
    assert stored.text == "Привет — \"quoted\" ✓" and stored.attachments == attachments
    assert stored.customer_message_id == "77" and stored.internal is False
    assert stored.ticket_id == ticket.id and stored.agent_id is None
    assert stored.created_at == message.created_at
    assert stored.created_at.utcoffset() is not None

    fresh = await Ticket.get(id=ticket.id)
    assert fresh.last_customer_message_at is not None
    assert fresh.last_customer_message_at <= fresh.updated_at  # then the status change

    replied = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").order_by(
        "-seq"
    ).first()
    assert replied is not None
    assert replied.payload["data"]["author"] == "customer"
    assert replied.payload["data"]["message"]["id"] == str(message.id)
    assert replied.payload["data"]["message"]["text"] == stored.text
    assert replied.payload["data"]["ticket"]["ticket_type_name"] == "Billing"
    assert replied.payload["project_id"] == str(project.id)
    assert replied.project_id == project.id and replied.occurred_at == replied.next_attempt_at
    assert replied.attempts == 0 and str(replied.status) == "pending"

    relayed = await OutboundMessage.filter(ticket_id=ticket.id, message_id=message.id).first()
    assert relayed is not None and relayed.kind == "agent_event" and relayed.chat_id == -1001
    assert relayed.payload == {
        "event": "customer_message",
        "ticket_id": str(ticket.id),
        "message_id": str(message.id),
    }
    assert relayed.project_id == project.id and relayed.result is None
    assert relayed.created_at.utcoffset() is not None

    # the stored text of timestamps, UUIDs and JSON is the ORM's own format
    def shape(value: object) -> tuple[type, int]:
        return type(value), len(str(value))

    mine = await _raw("SELECT * FROM messages WHERE id = $1", message.id)
    orms = await _raw("SELECT * FROM messages WHERE id = $1", orm_message.id)
    for column in ("id", "ticket_id", "created_at", "internal"):
        assert shape(mine[column]) == shape(orms[column]), column
    assert type(mine["attachments"]) is type(orms["attachments"])
    field = Message._meta.fields_map["attachments"]
    if not ON_POSTGRES:
        assert mine["attachments"] == field.to_db_value(attachments, Message)
    raw_event = await _raw("SELECT * FROM outbox_events WHERE id = $1", replied.id)
    orm_event = await _raw(
        "SELECT * FROM outbox_events WHERE ticket_id = $1 AND event = $2",
        ticket.id,
        "ticket.assigned",
    )
    for column in ("id", "project_id", "ticket_id", "occurred_at", "payload", "status"):
        assert type(raw_event[column]) is type(orm_event[column]), column
    raw_out = await _raw("SELECT * FROM outbound_messages WHERE id = $1", relayed.id)
    orm_out = await _raw(
        "SELECT * FROM outbound_messages WHERE ticket_id = $1 AND message_id = $2",
        ticket.id,
        orm_message.id,
    )
    for column in ("id", "project_id", "ticket_id", "message_id", "created_at", "payload"):
        assert shape(raw_out[column])[0] is shape(orm_out[column])[0], column
    assert shape(raw_out["created_at"]) == shape(orm_out["created_at"])


async def _telegram_ticket(project):  # an open Telegram ticket with an agent chat bound
    project.agent_chat_id = -1002
    await project.save()
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="First", channel=Channel.TELEGRAM, chat_id=43)
    )
    await tickets.change_status(project, ticket.id, "open")
    return ticket


async def test_customer_write_keeps_the_status_and_says_whether_it_changed(project):
    """A message that changes no status (PostgreSQL: no transaction, the ticket version
    checked by the write's own statement): rows stored once, `status_changed` false; a
    message into a waiting or closed ticket changes it and says so."""
    from models import Message
    from models.enums import Author
    from services import customers

    ticket = await _telegram_ticket(project)
    await tickets.agent_reply(project, ticket.id, "Agent says")
    await tickets.agent_reply(project, ticket.id, "note", internal=True)
    await tickets.change_status(project, ticket.id, "in_progress")
    written = await customer_message(
        None,
        ticket.id,
        "Second",
        source=MessageSource.TELEGRAM,
        attachments=[{"kind": "photo", "file_id": "f", "name": None, "size": 1}],
        subscriber_id=ticket.subscriber_id,
    )
    assert written.status_changed is False
    message = written.message
    assert message.ticket.status == TicketStatus.IN_PROGRESS
    assert message.ticket.project.agent_chat_id == -1002

    stored = await Message.filter(ticket_id=ticket.id, author=Author.CUSTOMER).order_by(
        "created_at"
    )
    assert [m.text for m in stored] == ["First", "Second"]
    assert stored[1].id == message.id and stored[1].created_at == message.created_at
    assert stored[1].attachments == [{"kind": "photo", "file_id": "f", "name": None, "size": 1}]
    fresh = await Ticket.get(id=ticket.id)
    assert fresh.status == TicketStatus.IN_PROGRESS
    assert fresh.last_customer_message_at == fresh.updated_at == message.ticket.updated_at
    replied = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").order_by(
        "-seq"
    )
    assert replied[0].payload["data"]["message"]["id"] == str(message.id)
    assert replied[0].payload["data"]["author"] == "customer"
    assert replied[0].payload["data"]["ticket"]["status"] == "in_progress"
    relayed = await OutboundMessage.filter(ticket_id=ticket.id, message_id=message.id)
    assert [(r.kind, r.chat_id) for r in relayed] == [("agent_event", -1002)]

    who = customers.Customer(Channel.TELEGRAM, 43)
    subscriber, tid = str(ticket.subscriber_id), str(ticket.id)
    part = customers.DraftPart(text="Third", message_id="9")
    assert await customers.write(who, subscriber, tid, part) is False  # in progress, again
    await tickets.change_status(project, ticket.id, "waiting")
    assert await customers.write(who, subscriber, tid, part) is True  # → in progress
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.IN_PROGRESS
    await tickets.change_status(project, ticket.id, "closed")
    assert await customers.write(who, subscriber, tid, part) is True  # reopened
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    assert await customers.write(who, subscriber, tid, part) is False
    view = await customers.thread(subscriber, tid, limit=20)
    # never the internal note
    assert [m.text for m in view.messages] == ["First", "Agent says", "Second"] + ["Third"] * 4


async def test_customer_message_into_a_ticket_changed_meanwhile_takes_the_locked_path(
    project, monkeypatch
):
    """PostgreSQL: the ticket read, then an agent closes it before the write — the version
    check refuses the write (nothing stored) and the locked path reopens the ticket, as a
    message into a closed ticket does. SQLite reads the ticket only inside its transaction."""
    from models import Message
    from models.enums import Author
    from services import sql

    ticket = await _telegram_ticket(project)
    reads: list[str] = []
    real_fetch_one = sql.fetch_one

    async def fetch_one(query: str, *args: object) -> object:
        row = await real_fetch_one(query, *args)
        if "v_ticket" in query:  # the read outside a transaction
            reads.append(query)
            await tickets.change_status(project, ticket.id, "closed")
        return row

    monkeypatch.setattr(sql, "fetch_one", fetch_one)
    written = await customer_message(
        None,
        ticket.id,
        "Still there?",
        source=MessageSource.TELEGRAM,
        subscriber_id=ticket.subscriber_id,
    )
    message = written.message
    assert len(reads) == (1 if ON_POSTGRES else 0)
    fresh = await Ticket.get(id=ticket.id)
    stored = await Message.filter(ticket_id=ticket.id, author=Author.CUSTOMER).count()
    assert stored == 2 and message.ticket.status == TicketStatus.OPEN
    assert fresh.status == TicketStatus.OPEN and fresh.closed_at is None
    replied = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").count()
    assert replied == 1  # the refused write left no event behind
    changes = await OutboxEvent.filter(
        ticket_id=ticket.id, event="ticket.status_changed"
    ).order_by("seq")
    expected = [("new", "open")]
    if ON_POSTGRES:
        expected += [("open", "closed"), ("closed", "open")]
    assert [(e.payload["data"]["from"], e.payload["data"]["to"]) for e in changes] == expected


async def test_messages_in_a_row_reuse_the_ticket_read_only_while_nothing_changed(
    project, monkeypatch
):
    """PostgreSQL keeps the ticket as last written (with its type and project) and checks
    their row versions in the write itself: the next message needs no read, and a renamed
    type or an unbound agent chat is seen at once (the write refused, the ticket read)."""
    from services import sql

    ticket_type = await catalog.create_ticket_type(project, name="Billing")
    ticket = await _telegram_ticket(project)
    await Ticket.filter(id=ticket.id).update(ticket_type_id=ticket_type.id)
    reads: list[str] = []
    real_fetch_one = sql.fetch_one

    async def fetch_one(query: str, *args: object) -> object:
        if "v_ticket" in query:
            reads.append(query)
        return await real_fetch_one(query, *args)

    monkeypatch.setattr(sql, "fetch_one", fetch_one)

    async def say(text: str) -> OutboxEvent:
        written = await customer_message(
            None,
            ticket.id,
            text,
            source=MessageSource.TELEGRAM,
            subscriber_id=ticket.subscriber_id,
        )
        message = written.message
        replied = OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied")
        event = await replied.order_by("-seq").first()
        assert event is not None and event.payload["data"]["message"]["id"] == str(message.id)
        return event

    first = await say("one")
    await say("two")
    assert len(reads) == (1 if ON_POSTGRES else 0)
    await catalog.update_ticket_type(ticket_type.id, name="Payments")
    renamed = await say("three")
    assert renamed.payload["data"]["ticket"]["ticket_type_name"] == "Payments"
    assert first.payload["data"]["ticket"]["ticket_type_name"] == "Billing"
    project.agent_chat_id = None
    await project.save()
    await say("four")
    assert len(reads) == (3 if ON_POSTGRES else 0)
    relayed = await OutboundMessage.filter(ticket_id=ticket.id, kind="agent_event")
    told = [r.payload["event"] for r in relayed if r.payload["event"] == "customer_message"]
    assert len(told) == 3  # one, two, three: "four" came after the chat was unbound
    fresh = await Ticket.get(id=ticket.id)
    assert fresh.status == TicketStatus.OPEN and fresh.last_customer_message_at is not None


async def test_the_agent_chat_learns_a_status_change_from_its_own_event(project):
    """`status_changed` agent events carry from/to; a row queued before they did (no keys)
    is answered from the webhook outbox, as before."""
    await Project.filter(id=project.id).update(agent_chat_id=-1001)
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="Hi"))
    await tickets.change_status(project, ticket.id, "closed")
    await tickets.change_status(project, ticket.id, "in_progress")
    await tickets.change_status(project, ticket.id, "waiting")
    rows = await OutboundMessage.filter(ticket_id=ticket.id, kind="agent_event").order_by(
        "created_at"
    )
    changes = [r.payload for r in rows if r.payload["event"] == "status_changed"]
    assert [(c["from"], c["to"]) for c in changes] == [
        ("new", "closed"),
        ("closed", "in_progress"),
        ("in_progress", "waiting"),
    ]
    assert [await agent_chat_events.closed_state_changed(ticket, c) for c in changes] == [
        True,
        True,
        False,
    ]
    old_row = {"event": "status_changed", "ticket_id": str(ticket.id), "message_id": None}
    # the latest status event: → waiting
    assert await agent_chat_events.closed_state_changed(ticket, old_row) is False
