"""Webhook settings through their use cases, delivered by the real worker to a local
receiver that verifies Standard Webhooks signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from delivery.webhooks import WebhookWorker
from models import AuditEntry, OutboxEvent, Project
from models.enums import DeliveryStatus
from services import projects, tickets, webhook_settings
from services.audit import CLI
from services.errors import Conflict, NotFound, ValidationFailed


class Receiver:
    """Answers from `script` (then 200) and keeps each request with its headers."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"headers": dict(request.headers), "body": await request.text()})
        return web.Response(status=self.script.pop(0) if self.script else 200)


def signed_by(request: dict, secret: str) -> bool:
    """Whether the request carries a valid signature by `secret` (the library signs; its
    verify() would also compare the timestamp with the wall clock, which the test moves)."""
    headers = request["headers"]
    when = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], when, request["body"])
    return expected in headers["webhook-signature"].split(" ")


@pytest.fixture
async def receiver(aiohttp_server) -> Receiver:
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/hook", recv.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    recv.url = str(server.make_url("/hook"))
    return recv


@pytest.fixture
async def hooked(project: Project, receiver: Receiver, frozen_clock) -> Project:
    await webhook_settings.set_webhook_url(
        project.id, CLI, receiver.url, allow_private_networks=True
    )
    return await Project.get(id=project.id)


@pytest.fixture
async def worker():
    w = WebhookWorker(allow_private_networks=True)
    yield w
    await w.close()


async def audit_actions(project: Project) -> list[str]:
    return [e.action for e in await AuditEntry.filter(project_id=project.id).order_by("id")]


async def test_private_destination_is_refused_with_a_clear_message_and_nothing_stored(project):
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "ftp://example.com/x"):
        with pytest.raises(ValidationFailed) as refused:
            await webhook_settings.set_webhook_url(project.id, CLI, url)
        assert (refused.value.details or [{}])[0]["field"] == "webhook_url"
    with pytest.raises(ValidationFailed) as private:
        await webhook_settings.set_webhook_url(project.id, CLI, "http://127.0.0.1:9/hook")
    assert "127.0.0.1" in private.value.message
    assert "WEBHOOK_ALLOW_PRIVATE_NETWORKS" in private.value.message  # how to allow it
    assert (await Project.get(id=project.id)).webhook_url is None
    assert await audit_actions(project) == []


async def test_rotate_then_test_event_is_signed_with_both_secrets(hooked, receiver, worker):
    old = (await webhook_settings.reveal_secret(hooked.id, CLI))["webhook_secret"]
    rotated = await webhook_settings.rotate_secret(hooked.id, CLI)
    new = rotated["webhook_secret"]
    assert new != old and rotated["previous_secret_valid_until"] is not None
    revealed = await webhook_settings.reveal_secret(hooked.id, CLI)
    assert (revealed["webhook_secret"], revealed["previous_secret"]) == (new, old)

    queued = await webhook_settings.send_test_event(hooked.id, CLI)

    assert queued["event"] == "webhook.test" and queued["status"] == "pending"
    assert await worker.run_once() == 1
    [request] = receiver.requests
    assert request["headers"]["webhook-id"] == queued["id"]
    assert signed_by(request, old) and signed_by(request, new)
    body = json.loads(request["body"])
    assert body["event"] == "webhook.test" and body["project_id"] == str(hooked.id)
    assert body["data"] == {"test": True, "requested_by": "cli"}
    log = await webhook_settings.delivery_log(hooked.id)
    [shown] = log["deliveries"]
    assert shown["status"] == "delivered" and shown["log"][0]["status_code"] == 200
    assert "whsec_" not in json.dumps([e.changes for e in await AuditEntry.all()])
    assert await audit_actions(hooked) == [
        "webhook.url_set",
        "webhook.secret_revealed",
        "webhook.secret_rotated",
        "webhook.secret_revealed",
        "webhook.test_sent",
    ]


async def test_failed_delivery_is_in_the_failed_log_and_replays_with_the_same_id(
    hooked, receiver, worker, frozen_clock
):
    ticket = await tickets.create_ticket(hooked, tickets.NewTicket(text="Help"))
    receiver.script = [500]
    assert await worker.run_once() == 1
    failed = await webhook_settings.delivery_log(hooked.id, failed_only=True)
    [entry] = failed["deliveries"]
    assert entry["event"] == "ticket.created" and entry["ticket_id"] == str(ticket.id)
    assert entry["status"] == "pending" and entry["next_attempt_at"] is not None
    assert entry["log"][0]["status_code"] == 500
    first_id = receiver.requests[0]["headers"]["webhook-id"]

    replayed = await webhook_settings.replay(hooked.id, CLI, entry["id"])

    assert replayed["status"] == "pending"
    assert await worker.run_once() == 1
    assert receiver.requests[1]["headers"]["webhook-id"] == first_id == entry["id"]
    assert (await OutboxEvent.get(id=entry["id"])).status == DeliveryStatus.DELIVERED
    assert (await webhook_settings.delivery_log(hooked.id, failed_only=True))["deliveries"] == []
    assert "webhook.replayed" in await audit_actions(hooked)


async def test_replay_of_another_projects_event_is_not_found(hooked):
    other, _ = await projects.create_project(name="Other")
    theirs = await tickets.create_ticket(other, tickets.NewTicket(text="x"))
    event = await OutboxEvent.get(ticket_id=theirs.id)
    with pytest.raises(NotFound):
        await webhook_settings.replay(hooked.id, CLI, event.id)
    assert "webhook.replayed" not in await audit_actions(hooked)


async def test_reenable_after_410_resumes_delivery(hooked, receiver, worker, frozen_clock):
    receiver.script = [410]
    await tickets.create_ticket(hooked, tickets.NewTicket(text="Help"))
    await worker.run_once()
    assert (await Project.get(id=hooked.id)).webhook_disabled is True
    with pytest.raises(Conflict):  # a test event would only wait: re-enable first
        await webhook_settings.send_test_event(hooked.id, CLI)
    resumed = await webhook_settings.reenable(hooked.id, CLI)
    assert resumed["webhook_disabled"] is False and resumed["pending"] == 1
    frozen_clock.advance(seconds=10)
    await worker.run_once()
    assert [json.loads(r["body"])["event"] for r in receiver.requests] == ["ticket.created"] * 2
    await webhook_settings.reenable(hooked.id, CLI)  # not disabled: nothing to do
    actions = await audit_actions(hooked)
    assert actions.count("webhook.reenabled") == 1
    assert actions.count("webhook.disabled_by_410") == 1  # the worker's own entry
    entry = await AuditEntry.get(action="webhook.disabled_by_410")
    assert entry.actor == "system"


async def test_test_event_needs_a_url(project):
    with pytest.raises(ValidationFailed, match="webhook_url"):
        await webhook_settings.send_test_event(project.id, CLI)
    assert await OutboxEvent.filter(project_id=project.id).count() == 0


async def test_previous_secret_is_hidden_after_the_overlap(hooked, frozen_clock):
    await webhook_settings.rotate_secret(hooked.id, CLI)
    frozen_clock.advance(seconds=timedelta(hours=24, seconds=1).total_seconds())
    revealed = await webhook_settings.reveal_secret(hooked.id, CLI)
    assert revealed["previous_secret"] is None
    assert revealed["previous_secret_valid_until"] is None
