"""/v1/helpdesk/canned-replies and `POST …/tickets/{id}/reply` with `canned_reply_id`."""

from __future__ import annotations

from models import OutboundMessage
from tests.api.conftest import Api

GREETING = "Hi {customer.first_name} (@{customer.username}), #{ticket.number} «{ticket.subject}»"
SIGNED = GREETING + " — {agent.name}, {project.name}"


async def create(api: Api, code: str = "hello", text: str = SIGNED, title: str = "Greeting"):
    return await api.post("/canned-replies", {"code": code, "title": title, "text": text})


async def test_create_list_update_delete(api: Api) -> None:
    created = await create(api, "zeta")
    assert created.status == 201, created.body
    assert set(created.body) == {"id", "code", "title", "text", "created_at"}
    await create(api, "alpha", "Thanks!")

    listed = await api.get("/canned-replies")
    assert listed.status == 200
    assert [r["code"] for r in listed.body["canned_replies"]] == ["alpha", "zeta"]

    reply_id = created.body["id"]
    changed = await api.patch(f"/canned-replies/{reply_id}", {"title": "Hello", "code": "hi"})
    assert changed.status == 200
    assert (changed.body["code"], changed.body["title"], changed.body["text"]) == (
        "hi", "Hello", SIGNED,
    )
    deleted = await api.client.delete(
        f"/v1/helpdesk/canned-replies/{reply_id}", headers={"Authorization": f"Bearer {api.key}"}
    )
    assert deleted.status == 204
    listed = await api.get("/canned-replies")
    assert [r["code"] for r in listed.body["canned_replies"]] == ["alpha"]
    gone = await api.patch(f"/canned-replies/{reply_id}", {"title": "x"})
    assert gone.status == 404


async def test_code_is_unique_per_project(api: Api, other: Api) -> None:
    assert (await create(api, "same")).status == 201
    taken = await create(api, "same")
    assert taken.status == 409
    assert taken.body["code"] == "conflict"
    assert (await create(other, "same")).status == 201  # another project may use it
    second = await create(api, "second")
    renamed = await api.patch(f"/canned-replies/{second.body['id']}", {"code": "same"})
    assert renamed.status == 409 and renamed.body["code"] == "conflict"


async def test_invalid_replies_are_refused(api: Api) -> None:
    for body in (
        {"code": "Bad Code", "title": "t", "text": "x"},
        {"code": "x" * 33, "title": "t", "text": "x"},
        {"code": "ok", "title": "t", "text": ""},
        {"code": "ok", "title": "t", "text": "x" * 4001},
        {"code": "ok", "title": "", "text": "x"},
    ):
        reply = await api.post("/canned-replies", body)
        assert reply.status == 400, body
        assert reply.body["code"] == "validation_failed"
    unknown = await create(api, "ok", "Hello {customer.last_name}")
    assert unknown.status == 400
    assert "{customer.last_name}" in unknown.body["error"]
    assert unknown.body["details"][0]["field"] == "text"
    saved = await create(api, "ok")
    bad_edit = await api.patch(f"/canned-replies/{saved.body['id']}", {"text": "{ticket.id}"})
    assert bad_edit.status == 400


async def test_another_projects_reply_is_not_found(api: Api, other: Api) -> None:
    theirs = await create(other, "theirs")
    assert (await api.patch(f"/canned-replies/{theirs.body['id']}", {"title": "x"})).status == 404
    ticket = await api.ticket()
    sent = await api.post(
        f"/tickets/{ticket['id']}/reply", {"canned_reply_id": theirs.body["id"]}
    )
    assert sent.status == 404
    assert sent.body["code"] == "not_found"


async def test_reply_with_a_canned_reply_stores_and_sends_the_rendered_text(
    api: Api, agent_id: str
) -> None:
    saved = await create(api)
    ticket = await api.ticket(
        channel="telegram", chat_id=4242, first_name="Anna", username="anna", subject="Late"
    )
    sent = await api.post(
        f"/tickets/{ticket['id']}/reply",
        {"canned_reply_id": saved.body["id"], "user_id": agent_id},
    )
    assert sent.status == 201, sent.body
    expected = f"Hi Anna (@anna), #1 «Late» — Alice Agent, {api.project.name}"
    assert sent.body["text"] == expected
    details = await api.get(f"/tickets/{ticket['id']}")
    assert details.body["messages"][-1]["text"] == expected
    assert details.body["status"] == "waiting"
    queued = await OutboundMessage.filter(chat_id=4242).order_by("-created_at").first()
    assert queued is not None and expected in queued.payload["text"]


async def test_missing_values_render_empty(api: Api) -> None:
    saved = await create(api)
    ticket = await api.ticket()  # virtual: no customer name or username, no subject; no agent
    sent = await api.post(f"/tickets/{ticket['id']}/reply", {"canned_reply_id": saved.body["id"]})
    assert sent.status == 201
    assert sent.body["text"] == f"Hi  (@), #1 «» — , {api.project.name}"
    assert "{" not in sent.body["text"]


async def test_exactly_one_of_text_and_canned_reply_id(api: Api) -> None:
    saved = await create(api)
    ticket = await api.ticket()
    both = await api.post(
        f"/tickets/{ticket['id']}/reply", {"text": "x", "canned_reply_id": saved.body["id"]}
    )
    assert both.status == 400 and both.body["code"] == "validation_failed"
    neither = await api.post(f"/tickets/{ticket['id']}/reply", {"internal": True})
    assert neither.status == 400
    unknown = await api.post(
        f"/tickets/{ticket['id']}/reply",
        {"canned_reply_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert unknown.status == 404
