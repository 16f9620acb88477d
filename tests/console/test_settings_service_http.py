"""The ratings, canned-replies and service-levels settings pages over plain HTTP: they
render for an owner, save through their use cases, show refused input and write nothing,
and stay closed to agents."""

from __future__ import annotations

from typing import Any

from models import CannedReply
from services import canned_replies, ratings, service_levels
from services.canned_replies import CannedReplyInput
from tests.console.test_console_extras_http import _signed_in

SLA_FORM = {
    "timezone": "Europe/Berlin",
    "first_response_minutes": "60",
    "next_response_minutes": "",
    "resolution_minutes": "2880",
    "business_hours_only": "on",
    "warn_before_minutes": "20",
    "business_hours": '{"mon": [["09:00", "13:00"], ["14:00", "18:00"]]}',
    "holidays": "2026-12-25\n2027-01-01",
    "out_of_hours_enabled": "on",
    "out_of_hours_text": "We are back at {back_at}",
    "auto_close_after_hours": "48",
    "auto_close_reopen_window_days": "3",
    "auto_close_text": "",
}


async def _post(client: Any, csrf: str, path: str, **data: str) -> Any:
    return await client.post(
        f"/console/settings/{path}", data={"csrf": csrf, **data}, allow_redirects=False
    )


async def test_ratings_page_saves_the_settings(aiohttp_client, db, project):
    client, csrf = await _signed_in(aiohttp_client, db, project)
    page = await client.get("/console/settings/ratings")
    assert page.status == 200 and 'id="settings-ratings"' in await page.text()
    saved = await _post(client, csrf, "ratings/save", enabled="on", question="How did we do?")
    assert saved.status == 303
    settings = await ratings.get_settings(project.id)
    assert settings.enabled and not settings.ask_when_customer_closes
    assert settings.question == "How did we do?"
    refused = await _post(client, csrf, "ratings/save", question="x" * 2000)
    assert refused.status == 400 and 'id="form-error"' in await refused.text()
    assert (await ratings.get_settings(project.id)).enabled  # unchanged
    assert "How did we do?" in await (await client.get("/console/settings/ratings")).text()


async def test_canned_replies_page_adds_edits_and_removes(aiohttp_client, db, project):
    client, csrf = await _signed_in(aiohttp_client, db, project)
    added = await _post(
        client, csrf, "canned/add", code="hi", title="Hello", text="Hi {agent.name}"
    )
    assert added.status == 303
    reply = await CannedReply.get(project_id=project.id, code="hi")
    assert 'data-code="hi"' in await (await client.get("/console/settings/canned")).text()
    refused = await _post(client, csrf, "canned/add", code="Bad Code", title="T", text="x")
    text = await refused.text()
    assert refused.status == 400 and 'id="form-error"' in text and "code" in text
    assert 'value="Bad Code"' in text  # kept to correct it
    taken = await _post(client, csrf, "canned/add", code="hi", title="Again", text="x")
    assert taken.status == 409
    assert await CannedReply.filter(project_id=project.id).count() == 1
    edited = await _post(
        client, csrf, "canned/edit", id=str(reply.id), code="hello", title="Hello", text="Hey"
    )
    assert edited.status == 303
    await reply.refresh_from_db()
    assert (reply.code, reply.text) == ("hello", "Hey")
    bad_edit = await _post(
        client, csrf, "canned/edit", id=str(reply.id), code="hello", title=" ", text="Hey"
    )
    assert bad_edit.status == 400
    await reply.refresh_from_db()
    assert reply.title == "Hello"
    removed = await _post(client, csrf, "canned/remove", id=str(reply.id))
    assert removed.status == 303
    assert await canned_replies.list_replies(project) == []


async def test_service_levels_page_saves_and_refuses_bad_hours(aiohttp_client, db, project):
    client, csrf = await _signed_in(aiohttp_client, db, project)
    page = await client.get("/console/settings/sla")
    assert page.status == 200 and 'id="settings-sla"' in await page.text()
    saved = await _post(client, csrf, "sla/save", **SLA_FORM)
    assert saved.status == 303, await saved.text()
    document = await service_levels.get_settings(project.id)
    assert document["timezone"] == "Europe/Berlin"
    assert document["targets"]["first_response_minutes"] == 60
    assert document["targets"]["next_response_minutes"] is None
    assert document["business_hours"]["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert document["holidays"] == ["2026-12-25", "2027-01-01"]
    assert document["warn_before_minutes"] == 20
    assert document["out_of_hours_reply"] == {"enabled": True, "text": "We are back at {back_at}"}
    assert document["auto_close"]["enabled"] is False
    assert document["auto_close"]["after_hours"] == 48
    for bad, field in (
        ({"business_hours": '{"mon": [["18:00", "09:00"]]}'}, "business_hours.mon[0]"),
        ({"business_hours": "{not json"}, "business_hours"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"first_response_minutes": "soon"}, "first_response_minutes"),
        ({"holidays": "2026-13-40"}, "holidays[0]"),
    ):
        refused = await _post(client, csrf, "sla/save", **{**SLA_FORM, "timezone": "UTC", **bad})
        text = await refused.text()
        assert refused.status == 400 and 'id="form-error"' in text and field in text, bad
        assert await service_levels.get_settings(project.id) == document  # nothing written
    page_text = await (await client.get("/console/settings/sla")).text()
    assert 'value="Europe/Berlin"' in page_text and "2026-12-25" in page_text


async def test_agents_cannot_open_or_post_these_pages(aiohttp_client, db, project):
    client, csrf = await _signed_in(aiohttp_client, db, project, role="agent")
    for name in ("ratings", "canned", "sla"):
        assert (await client.get(f"/console/settings/{name}")).status == 403
    assert (await _post(client, csrf, "canned/add", code="x", title="X", text="x")).status == 403
    assert (await _post(client, csrf, "ratings/save", enabled="on")).status == 403
    assert not (await ratings.get_settings(project.id)).enabled
    assert await CannedReply.filter(project_id=project.id).count() == 0


async def test_russian_texts_on_the_new_pages(aiohttp_client, db, project):
    await canned_replies.create_reply(project, CannedReplyInput("hi", "Привет", "Привет!"))
    client, _ = await _signed_in(aiohttp_client, db, project)
    headers = {"Accept-Language": "ru"}
    for name, heading in (("ratings", "Оценки"), ("canned", "Шаблоны ответов"),
                          ("sla", "Уровни сервиса")):
        text = await (await client.get(f"/console/settings/{name}", headers=headers)).text()
        assert heading in text, name
