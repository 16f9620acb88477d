"""The subscriber events reach the project's endpoint like ticket events: signed, retried."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook

from delivery.webhooks import WebhookWorker
from models import OutboxEvent
from models.enums import Channel, DeliveryStatus
from services import messages, subscribers
from services.projects import update_project


async def test_subscriber_events_are_signed_delivered_and_retried(project, aiohttp_server):
    answers = [500]  # the first attempt fails: retried later, as ticket events are
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({"body": await request.text(), "headers": dict(request.headers)})
        return web.Response(status=answers.pop(0) if answers else 204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app, host="127.0.0.1")
    project = await update_project(
        project.id, webhook_url=str(server.make_url("/hook")), allow_private_networks=True
    )
    worker = WebhookWorker(allow_private_networks=True)
    try:
        sub = await subscribers.ensure_subscriber(project.id, Channel.TELEGRAM, 77, ["vip"])
        await messages.send_message(project, sub.id, "hi", None)
        await subscribers.end_subscription(sub.id, "api")
        assert await worker.run_once() == 2
        [failed] = await OutboxEvent.filter(status=DeliveryStatus.PENDING)
        assert failed.attempts == 1
        await OutboxEvent.filter(id=failed.id).update(next_attempt_at=failed.occurred_at)
        assert await worker.run_once() == 1
    finally:
        await worker.close()
    assert len(received) == 3
    for request in received:
        Webhook(project.webhook_secret).verify(request["body"], request["headers"])
    events = [json.loads(r["body"]) for r in received]
    assert events[0]["id"] == events[2]["id"]  # the retry is the same event
    assert sorted(e["event"] for e in events[1:]) == [
        "subscription.cancelled", "subscription.created"]
    cancelled = next(e for e in events if e["event"] == "subscription.cancelled")
    assert cancelled["data"]["reason"] == "api"
    assert cancelled["data"]["subscriber"]["tags"] == ["vip"]
