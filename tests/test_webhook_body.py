"""The webhook body is encoded once, when the event is written, and sent exactly as stored."""

from __future__ import annotations

import json
from typing import Any

from delivery import webhooks as webhook_delivery
from models import OutboxEvent, Project
from models.enums import DeliveryStatus, MessageSource
from services import clock, tickets, webhooks
from services.customer_messages import customer_message
from services.outbox import encode_body

# fixtures shared with the webhook tests
from tests.test_webhooks import Receiver, hooked, new_ticket, receiver, worker  # noqa: F401

API_KEYS = ["id", "event", "occurred_at", "project_id", "data"]  # API.md, "Webhooks"


def test_the_body_is_the_compact_standard_json_of_the_payload():
    payloads: list[dict[str, Any]] = [
        {"id": "x", "data": {"text": 'Привет ✓ \u2028 "q" \\ / \n\t\x01 😀', "n": -7}},
        {"a": [1, 2**62, True, False, None, [], {}], "b": {"nested": {"deep": ["x"]}}},
        {"big": 2**70, "text": "ok"},  # orjson refuses ints past 64 bits: standard encoder
    ]
    for payload in payloads:
        standard = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        assert encode_body(payload) == standard


async def test_every_writer_stores_the_body_of_its_payload(project: Project):
    ticket = await new_ticket(project, "Привет ✓")  # record_event (ORM save)
    await tickets.change_status(project, ticket.id, "waiting")
    # the customer write path inserts its outbox row with hand-written SQL (sql.insert)
    await customer_message(project, ticket.id, "more text ✓", source=MessageSource.API)
    events = await OutboxEvent.filter(ticket_id=ticket.id).order_by("seq")
    written = [e.event for e in events]
    assert written[:2] == ["ticket.created", "ticket.status_changed"]
    assert "ticket.replied" in written[2:]  # (and the status change it causes)
    for event in events:
        assert event.body is not None
        assert json.loads(event.body) == event.payload  # the very same document
        assert event.body == encode_body(json.loads(event.body))  # compact
        assert list(json.loads(event.body)) == API_KEYS  # in the documented order
        assert "\\u" not in event.body  # UTF-8 as is, not \\u escapes
        message = event.payload["data"].get("message")
        if message:  # ticket.created and ticket.replied carry the text
            assert message["text"] in event.body and "✓" in message["text"]
        assert json.loads(event.body)["id"] == str(event.id)


async def test_the_stored_body_is_what_is_signed_sent_and_replayed(
    hooked: Project,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    worker: webhook_delivery.WebhookWorker,  # noqa: F811
):
    ticket = await new_ticket(hooked)
    event = await OutboxEvent.get(ticket_id=ticket.id)
    # the worker must not re-encode the payload: a body that differs from it only in form
    # (spaces) is sent byte for byte
    body = json.dumps(json.loads(str(event.body)), indent=1, ensure_ascii=False)
    await OutboxEvent.filter(id=event.id).update(body=body)
    await worker.run_once()
    await webhooks.replay_event(event.id)
    await worker.run_once()
    assert [r["id"] for r in receiver.requests] == [str(event.id), str(event.id)]
    assert [r["body"] for r in receiver.requests] == [body, body]
    assert all(r["valid"] for r in receiver.requests)


async def test_an_older_row_without_body_is_encoded_from_its_payload(
    hooked: Project,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    worker: webhook_delivery.WebhookWorker,  # noqa: F811
):
    now = clock.now()
    payload = {"id": "x", "data": {"ticket": {"id": "t"}, "text": "ünïcode"}}
    older = await OutboxEvent.create(
        project_id=hooked.id,
        event="ticket.created",
        payload=payload,
        occurred_at=now,
        next_attempt_at=now,
    )
    assert older.body is None
    assert await worker.run_once() == 1
    [request] = receiver.requests
    assert request["id"] == str(older.id) and request["valid"]
    assert json.loads(request["body"]) == payload
    assert request["body"] == encode_body(json.loads(request["body"]))  # compact, UTF-8
    assert (await OutboxEvent.get(id=older.id)).status == DeliveryStatus.DELIVERED
