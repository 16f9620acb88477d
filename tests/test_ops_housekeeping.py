"""Housekeeping removes what it should and keeps what it should (both backends)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from helpdesk.housekeeping import Housekeeper
from models import (
    HelpdeskRequest,
    IdempotencyRecord,
    OutboundMessage,
    OutboxEvent,
    Project,
    WebhookAttempt,
)
from models.enums import DeliveryStatus, RequestStatus
from services import clock
from services.housekeeping import run_housekeeping
from services.projects import random_token
from services.requests import request_status

RETENTION = timedelta(days=7)


async def make_event(
    project: Project, status: DeliveryStatus, age: timedelta, *, attempt_age: timedelta | None
) -> OutboxEvent:
    at = clock.now() - age
    event = await OutboxEvent.create(
        project_id=project.id,
        event="ticket.created",
        payload={},
        occurred_at=at,
        next_attempt_at=at,
        status=status,
        delivered_at=at if status == DeliveryStatus.DELIVERED else None,
    )
    if attempt_age is not None:
        await WebhookAttempt.create(
            event_id=event.id, attempted_at=clock.now() - attempt_age, status_code=200
        )
    return event


async def make_message(project: Project, status: DeliveryStatus, age: timedelta) -> OutboundMessage:
    message = await OutboundMessage.create(
        project_id=project.id,
        channel="telegram",
        chat_id=1,
        kind="text",
        payload={},
        status=status,
        next_attempt_at=clock.now() - age,
        sent_at=clock.now() - age if status == DeliveryStatus.DELIVERED else None,
    )
    # auto_now_add stamps created_at with the wall clock: age it by hand
    await OutboundMessage.filter(id=message.id).update(created_at=clock.now() - age)
    return message


async def make_request(project: Project, expires_in: timedelta) -> HelpdeskRequest:
    return await HelpdeskRequest.create(
        id=random_token(16), project=project, expires_at=clock.now() + expires_in
    )


async def test_housekeeping_removes_what_is_done_and_keeps_the_rest(project: Project) -> None:
    old, recent = timedelta(days=10), timedelta(days=1)
    old_delivered = await make_event(project, DeliveryStatus.DELIVERED, old, attempt_age=old)
    old_failed_no_attempt = await make_event(project, DeliveryStatus.FAILED, old, attempt_age=None)
    recent_delivered = await make_event(
        project, DeliveryStatus.DELIVERED, recent, attempt_age=recent
    )
    old_pending = await make_event(project, DeliveryStatus.PENDING, old, attempt_age=old)
    old_disabled = await make_event(project, DeliveryStatus.DISABLED, old, attempt_age=None)
    # failed long ago in the queue, but its last attempt is recent: kept with its log
    old_failed_recent_try = await make_event(
        project, DeliveryStatus.FAILED, old, attempt_age=recent
    )
    sent_old = await make_message(project, DeliveryStatus.DELIVERED, old)
    sent_recent = await make_message(project, DeliveryStatus.DELIVERED, recent)
    pending_old = await make_message(project, DeliveryStatus.PENDING, old)
    expired = await make_request(project, timedelta(minutes=-1))
    live = await make_request(project, timedelta(minutes=10))
    accepted = await make_request(project, timedelta(minutes=-1))
    await HelpdeskRequest.filter(id=accepted.id).update(status=RequestStatus.ACCEPTED)
    now = clock.now()
    await IdempotencyRecord.create(
        project=project, key="old", request_hash="x", expires_at=now - timedelta(seconds=1)
    )
    await IdempotencyRecord.create(
        project=project, key="live", request_hash="x", expires_at=now + timedelta(hours=1)
    )

    report = await run_housekeeping(RETENTION)

    assert report.as_dict() == {
        "requests_expired": 1,
        "idempotency_purged": 1,
        "webhook_attempts_pruned": 2,  # of old_delivered and old_pending
        "webhook_events_pruned": 2,
        "messages_pruned": 1,
    }
    kept_events = set(await OutboxEvent.all().values_list("id", flat=True))
    assert kept_events == {
        recent_delivered.id, old_pending.id, old_disabled.id, old_failed_recent_try.id
    }
    assert old_delivered.id not in kept_events and old_failed_no_attempt.id not in kept_events
    assert await WebhookAttempt.filter(event_id=old_pending.id).count() == 0
    assert await WebhookAttempt.filter(event_id=recent_delivered.id).count() == 1
    kept_messages = set(await OutboundMessage.all().values_list("id", flat=True))
    assert kept_messages == {sent_recent.id, pending_old.id}
    assert sent_old.id not in kept_messages
    statuses = dict(await HelpdeskRequest.all().values_list("id", "status"))
    assert statuses == {
        expired.id: RequestStatus.EXPIRED,
        live.id: RequestStatus.PENDING,
        accepted.id: RequestStatus.ACCEPTED,
    }
    assert (await request_status(project, expired.id))["status"] == "expired"
    assert await IdempotencyRecord.all().values_list("key", flat=True) == ["live"]

    # a second pass has nothing left to do
    assert (await run_housekeeping(RETENTION)).total == 0


async def test_housekeeper_runs_at_start_and_stops_on_request(project: Project) -> None:
    await make_request(project, timedelta(minutes=-1))
    class Observed(Housekeeper):
        ran = asyncio.Event()

        async def run_once(self) -> int:
            done = await super().run_once()
            self.ran.set()
            return done

    stop = asyncio.Event()
    worker = Observed(RETENTION, interval=3600)
    task = asyncio.create_task(worker.run(stop))
    await worker.ran.wait()
    assert not await HelpdeskRequest.filter(status=RequestStatus.PENDING).exists()
    stop.set()
    await asyncio.wait_for(task, 5)  # a stuck housekeeper would hold up shutdown
    assert worker.name == "housekeeping"
