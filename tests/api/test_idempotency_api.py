"""Idempotency-Key on POST: replay within 24 h, conflict on another body, one execution."""

from __future__ import annotations

import asyncio
from typing import Any

from models import IdempotencyRecord, Ticket
from services import idempotency
from tests.api.conftest import Api


async def test_replay_returns_the_first_response_without_doing_it_again(api: Api) -> None:
    headers = {"Idempotency-Key": "create-1"}
    first = await api.post("/tickets", {"text": "hello", "subject": "s"}, headers=headers)
    # the same body with its keys in another order is the same request
    again = await api.post("/tickets", {"subject": "s", "text": "hello"}, headers=headers)

    assert first.status == again.status == 201
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await Ticket.filter(project_id=api.project.id).count() == 1


async def test_replies_are_idempotent_too(api: Api) -> None:
    ticket = await api.ticket()
    path = f"/tickets/{ticket['id']}/reply"
    headers = {"Idempotency-Key": "reply-1"}
    first = await api.post(path, {"text": "once"}, headers=headers)
    second = await api.post(path, {"text": "once"}, headers=headers)
    assert second.body == first.body
    messages = (await api.get(f"/tickets/{ticket['id']}")).body["messages"]
    assert [m["text"] for m in messages].count("once") == 1


async def test_same_key_on_another_endpoint_is_a_conflict(api: Api) -> None:
    headers = {"Idempotency-Key": "k"}
    ticket = (await api.post("/tickets", {"text": "hello"}, headers=headers)).body
    reply = await api.post(f"/tickets/{ticket['id']}/reply", {"text": "hello"}, headers=headers)
    assert (reply.status, reply.body["code"]) == (409, "idempotency_conflict")


async def test_failed_request_releases_the_key(api: Api) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    failed = await api.post("/tickets", {"text": "hi", "channel": "telegram"}, headers=headers)
    assert failed.status == 400
    assert not await IdempotencyRecord.exists(project_id=api.project.id, key="retry-me")
    # the client fixes nothing and retries: the request runs again (and fails again)
    again = await api.post("/tickets", {"text": "hi", "channel": "telegram"}, headers=headers)
    assert again.status == 400


async def test_key_expires_after_24_hours(api: Api, frozen_clock: Any) -> None:
    headers = {"Idempotency-Key": "daily"}
    first = await api.post("/tickets", {"text": "hello"}, headers=headers)
    frozen_clock.advance(hours=23, minutes=59)
    assert (await api.post("/tickets", {"text": "hello"}, headers=headers)).body == first.body
    frozen_clock.advance(minutes=2)
    later = await api.post("/tickets", {"text": "hello"}, headers=headers)
    assert later.status == 201 and later.body["id"] != first.body["id"]
    assert await Ticket.filter(project_id=api.project.id).count() == 2


async def test_concurrent_duplicates_execute_once(api: Api) -> None:
    headers = {"Idempotency-Key": "race"}
    replies = await asyncio.gather(
        *(api.post("/tickets", {"text": "race"}, headers=headers) for _ in range(5))
    )
    assert await Ticket.filter(project_id=api.project.id).count() == 1
    created = [r for r in replies if r.status == 201]
    assert created, [r.body for r in replies]
    assert all(r.body == created[0].body for r in created)
    assert all(r.body["code"] == "idempotency_conflict" for r in replies if r.status != 201)


async def test_a_running_duplicate_waits_then_conflicts(api: Api, monkeypatch: Any) -> None:
    fingerprint = idempotency.request_hash("POST", "/v1/helpdesk/tickets", b'{"text":"x"}')
    await idempotency.begin(api.project.id, "busy", fingerprint)  # someone else is running it
    monkeypatch.setattr(idempotency, "WAIT_FOR_FIRST", 0.2)

    reply = await api.post("/tickets", {"text": "x"}, headers={"Idempotency-Key": "busy"})

    assert (reply.status, reply.body["code"]) == (409, "idempotency_conflict")
    assert "in progress" in reply.body["error"]


async def test_a_stale_running_record_is_taken_over(api: Api, frozen_clock: Any) -> None:
    fingerprint = idempotency.request_hash("POST", "/v1/helpdesk/tickets", b'{"text":"x"}')
    await idempotency.begin(api.project.id, "crashed", fingerprint)  # its process died
    frozen_clock.advance(minutes=2)

    reply = await api.post("/tickets", {"text": "x"}, headers={"Idempotency-Key": "crashed"})
    assert reply.status == 201


async def test_invalid_key_is_rejected(api: Api) -> None:
    reply = await api.post("/tickets", {"text": "x"}, headers={"Idempotency-Key": "k" * 256})
    assert (reply.status, reply.body["code"]) == (400, "validation_failed")


async def test_purge_expired(api: Api, frozen_clock: Any) -> None:
    await api.post("/tickets", {"text": "x"}, headers={"Idempotency-Key": "old"})
    assert await idempotency.purge_expired() == 0
    frozen_clock.advance(hours=25)
    assert await idempotency.purge_expired() == 1
