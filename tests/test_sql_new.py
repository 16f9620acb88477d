"""`sql.new(Model, **values)` builds exactly what `Model(**values)` builds (hot paths use it)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.exceptions import OperationalError, ValidationError

from helpdesk.db import APP_LABEL
from models import Message, OutboundMessage, OutboxEvent, Project, Ticket
from models.enums import Author, MessageSource
from services import clock, sql, tickets


def _callable_defaults(model: Any, passed: dict[str, Any]) -> set[str]:
    """Fields whose default is called per instance (ids, stamps): equal only in type."""
    meta = model._meta
    names = set()
    for name in meta.fields - meta.fetch_fields - set(passed):
        if callable(meta.fields_map[name].default):
            names.add(name)
    return names


def assert_same(model: Any, values: dict[str, Any]) -> None:
    fast, slow = sql.new(model, **values), model(**values)
    assert type(fast) is model
    drawn = _callable_defaults(model, values)
    for name in drawn:
        assert type(fast.__dict__.pop(name)) is type(slow.__dict__.pop(name)), name
    assert fast.__dict__ == slow.__dict__


async def test_new_builds_what_the_constructor_builds(project):
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="Help"))
    now = clock.now()
    assert_same(
        Message,
        dict(
            ticket=ticket,
            author=Author.CUSTOMER,
            text="hi ✓",
            attachments=[{"kind": "photo", "file_id": "f"}],
            source=MessageSource.TELEGRAM,
            customer_message_id="5",
        ),
    )
    # by id, enum values as text, defaults left out (id and stamps drawn per instance)
    assert_same(Message, dict(ticket_id=ticket.id, author="agent", text="x"))
    assert_same(Message, dict(id=uuid.uuid4(), ticket=ticket, author="system", text=""))
    assert_same(
        OutboxEvent,
        dict(
            id=uuid.uuid4(),
            project_id=project.id,
            ticket_id=ticket.id,
            seq=17,
            event="ticket.replied",
            payload={"a": [1, "ü"]},
            body=b"{}",
            occurred_at=now,
            next_attempt_at=now,
        ),
    )
    assert_same(
        OutboundMessage,
        dict(channel="telegram", chat_id=-100, kind="agent_event", payload={}, ticket_id=None),
    )
    assert_same(Ticket, dict(project=project, number=99, subject="s", channel="virtual"))
    # every model of the app builds alike from its defaults alone
    models = list(Tortoise.apps[APP_LABEL].values())
    assert Project in models and len(models) > 5
    for model in models:
        assert_same(model, {})


async def test_new_refuses_what_the_constructor_refuses(project):
    unsaved = Ticket(project=project, number=1)
    with pytest.raises(OperationalError):
        sql.new(Message, ticket=unsaved, author="agent", text="x")
    with pytest.raises(OperationalError):
        Message(ticket=unsaved, author="agent", text="x")
    with pytest.raises(ValidationError):
        sql.new(Message, ticket=project, author="agent", text="x")
    with pytest.raises(ValueError, match="non nullable"):
        sql.new(Message, author=None, text="x")
    with pytest.raises(ValueError, match="non nullable"):
        Message(author=None, text="x")
