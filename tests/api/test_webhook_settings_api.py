"""/v1/helpdesk/settings/webhook and …/events: read the webhook, choose the event types (bad
names refused, naming `events`), each project its own, the change audited, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models import AuditEntry, Project
from tests.api.conftest import Api

WEBHOOK = "/settings/webhook"
EVENTS = "/settings/webhook/events"


async def test_read_and_choose_event_types(api: Api, other: Api) -> None:
    reply = await api.get(WEBHOOK)
    assert reply.status == 200
    assert reply.body == {
        "project_id": str(api.project.id),
        "webhook_url": None,
        "webhook_disabled": False,
        "previous_secret_valid_until": None,
        "events": None,
    }
    assert "webhook_secret" not in reply.body
    chosen = await api.call("PUT", EVENTS, {"events": ["ticket.replied", "ticket.created"]})
    assert chosen.status == 200
    assert chosen.body["events"] == ["ticket.created", "ticket.replied"]
    assert (await api.get(WEBHOOK)).body["events"] == ["ticket.created", "ticket.replied"]
    project = await Project.get(id=api.project.id)
    assert project.webhook_events == ["ticket.created", "ticket.replied"]
    entry = await AuditEntry.get(project_id=api.project.id, action="webhook.events_set")
    assert entry.actor == "api"
    assert entry.changes == {"events": [None, ["ticket.created", "ticket.replied"]]}
    # another project is untouched and sees only its own
    assert (await other.get(WEBHOOK)).body["events"] is None
    assert (await other.get(WEBHOOK)).body["project_id"] == str(other.project.id)
    # null is every type again
    assert (await api.call("PUT", EVENTS, {"events": None})).body["events"] is None
    assert (await Project.get(id=api.project.id)).webhook_events is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["ticket.created", "ticket.exploded"]}, "events"),
        ({"events": ["webhook.test"]}, "events"),
        ({"events": "ticket.created"}, "events"),
        ({"events": [1]}, "events.0"),
        ({}, "events"),
    ],
)
async def test_bad_event_types_are_400_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    await api.call("PUT", EVENTS, {"events": ["ticket.closed"]})
    reply = await api.call("PUT", EVENTS, body)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "validation_failed"
    assert field in [d["field"] for d in reply.body["details"]]
    assert (await Project.get(id=api.project.id)).webhook_events == ["ticket.closed"]


async def test_needs_a_key(client: TestClient) -> None:
    assert (await client.get("/v1/helpdesk/settings/webhook")).status == 401
    response = await client.put("/v1/helpdesk/settings/webhook/events", json={"events": None})
    assert response.status == 401


async def test_openapi_lists_the_event_types(client: TestClient) -> None:
    document = await (await client.get("/v1/openapi.json")).json()
    put = document["paths"]["/v1/helpdesk/settings/webhook/events"]["put"]
    assert "400" in put["responses"]
    body = document["components"]["schemas"]["WebhookEventsBody"]["properties"]["events"]
    names = body["anyOf"][0]["items"]["enum"]
    assert "ticket.created" in names and "button.clicked" in names
    assert "webhook.test" not in names
    assert "get" in document["paths"]["/v1/helpdesk/settings/webhook"]
