"""Two projects, their own keys: the other project's ids answer exactly like missing ones."""

from __future__ import annotations

import uuid

from models.enums import Channel
from services import catalog
from services.requests import accept_request
from tests.api.conftest import Api


async def test_every_ticket_endpoint_hides_other_projects_tickets(api: Api, other: Api) -> None:
    theirs = await other.ticket()
    agent = await catalog.add_agent(api.project, name="Mine")
    missing = str(uuid.uuid4())

    for ticket_id in (theirs["id"], missing):
        calls = [
            await api.get(f"/tickets/{ticket_id}"),
            await api.post(f"/tickets/{ticket_id}/reply", {"text": "x"}),
            await api.post(f"/tickets/{ticket_id}/customer-reply", {"text": "x"}),
            await api.patch(f"/tickets/{ticket_id}/status", {"status": "closed"}),
            await api.patch(f"/tickets/{ticket_id}/assign", {"user_id": str(agent.id)}),
            await api.patch(f"/tickets/{ticket_id}/priority", {"priority": "high"}),
        ]
        bodies = [(reply.status, reply.body) for reply in calls]
        assert bodies == [
            (404, {"error": "ticket not found", "code": "not_found", "retryable": False})
        ] * len(calls)

    untouched = (await other.get(f"/tickets/{theirs['id']}")).body
    assert untouched["status"] == "new" and untouched["priority"] == "normal"
    assert [m["author"] for m in untouched["messages"]] == ["customer"]


async def test_lists_show_only_own_objects(api: Api, other: Api) -> None:
    mine = await api.ticket()
    await other.ticket()
    await catalog.create_ticket_type(other.project, name="Their type")
    their_agent = await catalog.add_agent(other.project, name="Their agent")

    tickets = (await api.get("/tickets")).body
    assert [t["id"] for t in tickets["tickets"]] == [mine["id"]] and tickets["total"] == 1
    assert (await api.get("/ticket-types")).body == {"ticket_types": []}
    assert (await api.get("/agents")).body == {"agents": []}
    filtered = await api.get("/tickets", params={"assigned_to": str(their_agent.id)})
    assert filtered.body["total"] == 0


async def test_other_projects_agents_and_types_are_not_accepted(api: Api, other: Api) -> None:
    mine = await api.ticket()
    their_agent = await catalog.add_agent(other.project, name="Their agent")
    their_type = await catalog.create_ticket_type(other.project, name="Their type")

    assign = await api.patch(f"/tickets/{mine['id']}/assign", {"user_id": str(their_agent.id)})
    assert (assign.status, assign.body["code"]) == (400, "validation_failed")
    reply = await api.post(f"/tickets/{mine['id']}/reply",
                           {"text": "x", "user_id": str(their_agent.id)})
    assert (reply.status, reply.body["code"]) == (400, "validation_failed")
    create = await api.post("/tickets", {"text": "x", "ticket_type_id": str(their_type.id)})
    assert (create.status, create.body["code"]) == (400, "validation_failed")
    request = await api.post("/request", {"ticket_type_id": str(their_type.id)})
    assert (request.status, request.body["code"]) == (400, "validation_failed")


async def test_request_status_of_another_project_is_not_found(api: Api, other: Api) -> None:
    theirs = (await other.post("/request", {})).body["request_id"]
    await accept_request(theirs, Channel.TELEGRAM, 555)

    reply = await api.get(f"/request/{theirs}/status")
    assert (reply.status, reply.body["code"]) == (404, "not_found")
    assert (await other.get(f"/request/{theirs}/status")).body["status"] == "accepted"


async def test_same_idempotency_key_in_two_projects_is_independent(
    api: Api, other: Api
) -> None:
    headers = {"Idempotency-Key": "shared"}
    mine = await api.post("/tickets", {"text": "a"}, headers=headers)
    theirs = await other.post("/tickets", {"text": "a"}, headers=headers)
    assert mine.status == theirs.status == 201
    assert mine.body["id"] != theirs.body["id"]
