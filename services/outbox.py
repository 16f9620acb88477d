"""Writing to the transactional outbox. Call these inside the transaction of the change."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ParamSpec

import orjson

from models import OutboundMessage, OutboxEvent, Project, Ticket
from services import clock, sql
from services.serializers import iso, ticket_summary

P = ParamSpec("P")

_last_seq = 0


def _next_seq(occurred: datetime) -> int:
    """The event's place in its ticket's order: its time in microseconds (×1000), and within
    this process strictly after the previous event. (The counter modulo 1000 it replaces
    wrapped: two events of one microsecond — a frozen test clock, or one change's events —
    could swap places.)"""
    global _last_seq
    _last_seq = max(int(occurred.timestamp() * 1_000_000) * 1000, _last_seq + 1)
    return _last_seq

# last_error of an event closed as `disabled` because its project had no webhook URL: nobody
# to tell, and setting a URL later does not replay it; pruned like delivered events
NO_URL = "no webhook_url"
# last_error of an event closed as `disabled` because its project does not take its type
# (`Project.webhook_events`): never sent, pruned like delivered events
FILTERED = "event type not taken by the endpoint"
# always sent: the settings' own test event, whatever the project filters
TEST_EVENT = "webhook.test"

TICKET_CREATED = "ticket.created"
TICKET_REPLIED = "ticket.replied"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_CLOSED = "ticket.closed"
TICKET_PRIORITY_CHANGED = "ticket.priority_changed"
TICKET_RATED = "ticket.rated"
TICKET_SLA_WARNING = "ticket.sla_warning"
TICKET_SLA_BREACHED = "ticket.sla_breached"
EVENTS = (
    TICKET_CREATED,
    TICKET_REPLIED,
    TICKET_STATUS_CHANGED,
    TICKET_ASSIGNED,
    TICKET_CLOSED,
    TICKET_PRIORITY_CHANGED,
    TICKET_RATED,
    TICKET_SLA_WARNING,
    TICKET_SLA_BREACHED,
)


def wanted(project: Project, event: str) -> bool:
    """Whether the project's endpoint takes this event type: every type unless the project
    lists the ones it wants (`webhook_events`); `webhook.test` always."""
    chosen = project.webhook_events
    return not chosen or event in chosen or event == TEST_EVENT


def encode_body(payload: dict[str, Any]) -> str:
    """The webhook body of a payload: compact JSON, UTF-8 as is (the text signed and sent).

    orjson writes the same text as `json.dumps(…, separators=(",", ":"), ensure_ascii=False)`
    for what payloads hold (str keys; str, int, bool, None, lists, dicts) at a fraction of
    the cost; anything it refuses (a huge int, a lone surrogate) takes the standard encoder."""
    try:
        return orjson.dumps(payload).decode()
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


async def record_event(ticket: Ticket, event: str, **data: Any) -> OutboxEvent:
    """Store a webhook event for the ticket (its summary plus `data`)."""
    outbox_event = new_event(ticket, event, **data)
    await outbox_event.save(force_create=True)
    return outbox_event


def new_event(ticket: Ticket, event: str, **data: Any) -> OutboxEvent:
    """The webhook event `record_event` stores, not saved yet (for `sql.insert`). Its body is
    encoded here, once: the worker sends and signs these very bytes on every attempt and
    replay, without decoding or re-encoding the payload."""
    occurred = clock.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "event": event,
        "occurred_at": iso(occurred),
        "project_id": str(ticket.project_id),
        "data": {"ticket": ticket_summary(ticket), **data},
    }
    seq = _next_seq(occurred)
    return sql.new(
        OutboxEvent,
        id=event_id,
        project_id=ticket.project_id,
        ticket_id=ticket.id,
        seq=seq,
        event=event,
        payload=payload,
        body=encode_body(payload),
        occurred_at=occurred,
        next_attempt_at=occurred,
    )


async def record_project_event(project_id: uuid.UUID, event: str, /, **data: Any) -> OutboxEvent:
    """Store a webhook event about the project rather than a ticket (e.g. `webhook.test`):
    it has no ticket, so it waits for no other event and none waits for it."""
    outbox_event = new_project_event(project_id, event, data)
    await outbox_event.save(force_create=True)
    return outbox_event


def new_project_event(project_id: uuid.UUID, event: str, data: dict[str, Any]) -> OutboxEvent:
    """The event `record_project_event` stores, not saved yet (for `sql.insert_from`)."""
    occurred = clock.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "event": event,
        "occurred_at": iso(occurred),
        "project_id": str(project_id),
        "data": data,
    }
    return sql.new(
        OutboxEvent,
        id=event_id,
        project_id=project_id,
        ticket_id=None,
        seq=_next_seq(occurred),
        event=event,
        payload=payload,
        body=encode_body(payload),
        occurred_at=occurred,
        next_attempt_at=occurred,
    )


def new_message(
    *,
    channel: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    project_id: uuid.UUID | None = None,
    ticket_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
) -> OutboundMessage:
    """A messenger call for the delivery worker (`kind` says which sender handles it), not
    saved yet (for `sql.insert`); `enqueue_message` takes the same fields and stores it."""
    return sql.new(
        OutboundMessage,
        project_id=project_id,
        channel=channel,
        chat_id=chat_id,
        kind=kind,
        payload=payload,
        ticket_id=ticket_id,
        message_id=message_id,
        next_attempt_at=clock.now(),
    )


def _stored(build: Callable[P, OutboundMessage]) -> Callable[P, Awaitable[OutboundMessage]]:
    async def store(*args: P.args, **kwargs: P.kwargs) -> OutboundMessage:
        outbound = build(*args, **kwargs)
        await outbound.save(force_create=True)
        return outbound

    return store


# store a messenger call for the delivery worker: `new_message`'s fields, saved
enqueue_message = _stored(new_message)
