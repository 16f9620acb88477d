"""Every row of API.md's error table, with its HTTP status and code."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

from services import catalog
from services.projects import revoke_api_key, update_project
from tests.api.conftest import Api


def assert_error(reply: Any, status: int, code: str, *, retryable: bool = False) -> None:
    assert reply.status == status, reply.body
    assert set(reply.body) <= {"error", "code", "retryable", "details"}
    assert reply.body["code"] == code
    assert reply.body["retryable"] is retryable
    assert isinstance(reply.body["error"], str) and reply.body["error"]


# ---- 400 validation_failed --------------------------------------------------------------


async def test_malformed_json(api: Api) -> None:
    reply = await api.post("/tickets", data='{"text": "hi"')
    assert_error(reply, 400, "validation_failed")
    assert reply.body["details"] == [{"field": "body", "message": "malformed JSON"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 5}, "text"),
        ({"text": "hi", "channel": "telegram", "chat_id": "123"}, "chat_id"),
        ({"text": "hi", "channel": "telegram", "chat_id": 1.5}, "chat_id"),
        ({"text": "hi", "subject": ["x"]}, "subject"),
        ({"text": "hi", "ticket_type_id": "not-a-uuid"}, "ticket_type_id"),
    ],
)
async def test_wrong_types(api: Api, body: dict[str, Any], field: str) -> None:
    reply = await api.post("/tickets", body)
    assert_error(reply, 400, "validation_failed")
    assert [d["field"] for d in reply.body["details"]] == [field]


async def test_body_must_be_an_object(api: Api) -> None:
    assert_error(await api.post("/tickets", ["text"]), 400, "validation_failed")


async def test_unknown_enum_values(api: Api) -> None:
    ticket = await api.ticket()
    cases = [
        await api.post("/tickets", {"text": "hi", "channel": "fax"}),
        await api.patch(f"/tickets/{ticket['id']}/status", {"status": "done"}),
        await api.patch(f"/tickets/{ticket['id']}/priority", {"priority": "meh"}),
        await api.post("/request", {"channel": "virtual"}),
        await api.get("/tickets", params={"status": "pending"}),
        await api.get("/tickets", params={"channel": "fax"}),
    ]
    for reply in cases:
        assert_error(reply, 400, "validation_failed")
        assert reply.body["details"]


async def test_missing_required_fields(api: Api) -> None:
    ticket = await api.ticket()
    for method, path in [
        ("POST", "/tickets"),
        ("POST", f"/tickets/{ticket['id']}/reply"),
        ("POST", f"/tickets/{ticket['id']}/customer-reply"),
        ("PATCH", f"/tickets/{ticket['id']}/status"),
        ("PATCH", f"/tickets/{ticket['id']}/assign"),
        ("PATCH", f"/tickets/{ticket['id']}/priority"),
    ]:
        reply = await api.call(method, path, {})
        assert_error(reply, 400, "validation_failed")
        assert reply.body["details"][0]["message"] == "Field required", path


async def test_text_limits(api: Api) -> None:
    ticket = await api.ticket()
    too_long = "x" * 4001
    assert (await api.post("/tickets", {"text": "x" * 4000})).status == 201
    for path in ("/tickets", f"/tickets/{ticket['id']}/reply",
                 f"/tickets/{ticket['id']}/customer-reply"):
        reply = await api.post(path, {"text": too_long})
        assert_error(reply, 400, "validation_failed")
        assert reply.body["details"][0]["field"] == "text"
    subject = await api.post("/tickets", {"text": "hi", "subject": "s" * 201})
    assert_error(subject, 400, "validation_failed")
    blank = await api.post("/tickets", {"text": "   "})
    assert_error(blank, 400, "validation_failed")


async def test_unknown_or_inactive_ticket_type(api: Api) -> None:
    inactive = await catalog.create_ticket_type(api.project, name="Old")
    await catalog.update_ticket_type(inactive.id, active=False)
    for type_id in (str(uuid.uuid4()), str(inactive.id)):
        reply = await api.post("/tickets", {"text": "hi", "ticket_type_id": type_id})
        assert_error(reply, 400, "validation_failed")
        assert reply.body["details"][0]["field"] == "ticket_type_id"
        request = await api.post("/request", {"ticket_type_id": type_id})
        assert_error(request, 400, "validation_failed")


@pytest.mark.parametrize("channel", ["telegram", "max"])
async def test_chat_id_required_for_messengers(api: Api, channel: str) -> None:
    reply = await api.post("/tickets", {"text": "hi", "channel": channel})
    assert_error(reply, 400, "validation_failed")
    assert reply.body["details"][0]["field"] == "chat_id"


async def test_assign_to_unknown_agent(api: Api) -> None:
    ticket = await api.ticket()
    reply = await api.patch(f"/tickets/{ticket['id']}/assign", {"user_id": str(uuid.uuid4())})
    assert_error(reply, 400, "validation_failed")
    reply = await api.post(f"/tickets/{ticket['id']}/reply",
                           {"text": "x", "user_id": str(uuid.uuid4())})
    assert_error(reply, 400, "validation_failed")


async def test_bad_paging(api: Api) -> None:
    for params in ({"limit": "0"}, {"limit": "101"}, {"offset": "-1"}, {"limit": "ten"},
                   {"assigned_to": "bob"}):
        assert_error(await api.get("/tickets", params=params), 400, "validation_failed")


# ---- 401 invalid_api_key ----------------------------------------------------------------


async def test_missing_unknown_and_revoked_keys(api: Api) -> None:
    no_key = await api.client.get("/v1/helpdesk/tickets")
    assert no_key.status == 401
    assert (await no_key.json())["code"] == "invalid_api_key"
    assert no_key.headers["WWW-Authenticate"].startswith("Bearer")
    for key in ("hd_live_wrongwrongwrongwrongwrong", "nonsense", api.key + "x", api.key[:-1]):
        assert_error(await api.get("/tickets", key=key), 401, "invalid_api_key")
    basic = await api.get("/tickets", headers={"Authorization": f"Basic {api.key}"})
    assert_error(basic, 401, "invalid_api_key")

    await revoke_api_key(api.project, api.key[:16])
    assert_error(await api.get("/tickets"), 401, "invalid_api_key")


# ---- 403 helpdesk_disabled ----------------------------------------------------------------


async def test_helpdesk_disabled(api: Api) -> None:
    ticket = await api.ticket()
    await update_project(api.project.id, helpdesk_enabled=False)
    for method, path in [("GET", "/tickets"), ("POST", "/tickets"),
                         ("GET", f"/tickets/{ticket['id']}"), ("GET", "/agents"),
                         ("POST", "/request")]:
        reply = await api.call(method, path, {"text": "hi"} if method == "POST" else None)
        assert_error(reply, 403, "helpdesk_disabled")


async def test_request_needs_allow_create(api: Api) -> None:
    await update_project(api.project.id, helpdesk_allow_create=False)
    assert_error(await api.post("/request", {}), 403, "helpdesk_disabled")
    assert (await api.post("/tickets", {"text": "still fine"})).status == 201


# ---- 404 not_found ------------------------------------------------------------------------


async def test_unknown_ids(api: Api) -> None:
    missing = str(uuid.uuid4())
    for method, path, body in [
        ("GET", f"/tickets/{missing}", None),
        ("GET", "/tickets/not-a-uuid", None),
        ("POST", f"/tickets/{missing}/reply", {"text": "x"}),
        ("POST", f"/tickets/{missing}/customer-reply", {"text": "x"}),
        ("PATCH", f"/tickets/{missing}/status", {"status": "closed"}),
        ("PATCH", f"/tickets/{missing}/priority", {"priority": "low"}),
        ("GET", "/request/AAAAAAAAAAAAAAAA/status", None),
    ]:
        assert_error(await api.call(method, path, body), 404, "not_found")


async def test_unknown_route_and_method_are_json(api: Api) -> None:
    assert_error(await api.get("/nothing-here"), 404, "not_found")
    outside = await api.client.get("/nope")
    assert outside.status == 404
    assert (await outside.json())["code"] == "not_found"
    wrong_method = await api.call("DELETE", "/tickets")
    assert_error(wrong_method, 405, "method_not_allowed")


# ---- 409 ----------------------------------------------------------------------------------


async def test_customer_reply_on_messenger_ticket_is_wrong_channel(api: Api) -> None:
    ticket = await api.ticket(channel="telegram", chat_id=1)
    reply = await api.post(f"/tickets/{ticket['id']}/customer-reply", {"text": "x"})
    assert_error(reply, 409, "wrong_channel")


async def test_idempotency_conflict(api: Api) -> None:
    headers = {"Idempotency-Key": "same-key"}
    assert (await api.post("/tickets", {"text": "a"}, headers=headers)).status == 201
    reply = await api.post("/tickets", {"text": "b"}, headers=headers)
    assert_error(reply, 409, "idempotency_conflict")


# ---- 413, 429, 500 --------------------------------------------------------------------------


async def test_body_over_one_mib(api: Api) -> None:
    big = b'{"text": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(await api.post("/tickets", data=big), 413, "payload_too_large")


async def test_rate_limited(api: Api, frozen_clock: Any) -> None:
    await update_project(api.project.id, rate_limit=2)
    assert (await api.get("/agents")).status == 200
    assert (await api.get("/agents")).status == 200
    reply = await api.get("/agents")
    assert_error(reply, 429, "rate_limited", retryable=True)
    assert 1 <= int(reply.headers["Retry-After"]) <= 60


async def test_unexpected_error_is_a_generic_500(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(project_id: object) -> list[Any]:
        raise RuntimeError("secret database detail")

    monkeypatch.setattr(catalog, "list_agents", boom)
    with caplog.at_level(logging.ERROR, logger="api"):
        reply = await api.get("/agents")

    assert_error(reply, 500, "internal_error", retryable=True)
    request_id = reply.headers["X-Request-Id"]
    assert request_id in reply.body["error"]
    assert "secret" not in reply.body["error"] and "Traceback" not in reply.body["error"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
