"""The settings pages over plain HTTP (no browser): every page renders for an owner, agents
and viewers get the 403 page, refused input is shown and nothing is written, the CSRF token
is required. The browser journeys are test_settings_browser.py."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from aiohttp.test_utils import TestClient

from helpdesk.app import create_app
from models import AuditEntry, Project, TicketType
from services import console_auth
from tests.api.conftest import api_settings

PAGES = ("project", "types", "agents", "keys", "webhook", "agent-chat", "reports", "audit")


async def _owner(aiohttp_client: Any, db: str, project: Any, **kw: Any) -> tuple[TestClient, str]:
    client = await aiohttp_client(create_app(api_settings(db), role="api"))
    issued = await console_auth.create_login_link(project.id, **kw)
    response = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert response.status == 303
    page = await client.get("/console")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found
    return client, found.group(1)


async def test_every_settings_page_renders_for_an_owner(aiohttp_client, db, project):
    client, _ = await _owner(aiohttp_client, db, project)
    assert 'href="/console/settings"' in await (await client.get("/console")).text()
    home = await client.get("/console/settings", allow_redirects=False)
    assert home.status == 303 and home.headers["Location"] == "/console/settings/project"
    for name in PAGES:
        response = await client.get(f"/console/settings/{name}")
        assert response.status == 200, (name, await response.text())
        assert f'id="settings-{name}"' in await response.text()
    csv_response = await client.get("/console/settings/reports.csv?days=30")
    assert csv_response.status == 200 and csv_response.content_type == "text/csv"
    assert list(csv.reader(io.StringIO(await csv_response.text())))
    assert (await client.get("/console/settings/nothing")).status == 404


async def test_agents_and_viewers_get_the_403_page(aiohttp_client, db, project):
    for role in ("agent", "viewer"):
        client, csrf = await _owner(aiohttp_client, db, project, role=role)
        assert 'href="/console/settings"' not in await (await client.get("/console")).text()
        for name in PAGES:
            response = await client.get(f"/console/settings/{name}")
            assert response.status == 403 and "Not allowed" in await response.text()
        posted = await client.post(
            "/console/settings/types/add", data={"csrf": csrf, "name": "Sneaky"}
        )
        assert posted.status == 403
        assert not await TicketType.exists(project_id=project.id, name="Sneaky")
        await client.close()


async def test_refused_input_is_shown_and_nothing_is_written(aiohttp_client, db, project):
    client, csrf = await _owner(aiohttp_client, db, project)
    before = await AuditEntry.filter(project_id=project.id).count()
    response = await client.post(
        "/console/settings/project/save",
        data={"csrf": csrf, "name": "New name", "slug": "Bad Slug!", "rate_limit": "5"},
    )
    assert response.status == 400
    text = await response.text()
    assert 'id="form-error"' in text and "slug" in text
    assert 'value="New name"' in text  # the input is kept to correct it
    assert (await Project.get(id=project.id)).name == project.name
    assert await AuditEntry.filter(project_id=project.id).count() == before
    # without the CSRF token nothing happens either
    forged = await client.post("/console/settings/types/add", data={"name": "Forged"})
    assert forged.status == 403
    assert not await TicketType.exists(project_id=project.id, name="Forged")


async def test_a_type_row_with_a_bad_description_changes_nothing(aiohttp_client, db, project):
    from services import audit, ticket_types

    kind = await ticket_types.add_ticket_type(project, audit.CLI, name="Billing")
    client, csrf = await _owner(aiohttp_client, db, project)
    response = await client.post(
        "/console/settings/types/edit",
        data={"csrf": csrf, "id": str(kind.id), "name": "Payments", "description": "x" * 5000},
    )
    assert response.status == 400 and "description" in await response.text()
    assert (await TicketType.get(id=kind.id)).name == "Billing"
    ok = await client.post(
        "/console/settings/types/edit",
        data={"csrf": csrf, "id": str(kind.id), "name": "Payments", "description": "Refunds"},
        allow_redirects=False,
    )
    assert ok.status == 303
    stored = await TicketType.get(id=kind.id)
    assert (stored.name, stored.description) == ("Payments", "Refunds")
    [entry] = await AuditEntry.filter(project_id=project.id, action="ticket_type.updated")
    assert entry.actor == "agent" and entry.actor_name == "Owner"


async def test_reports_show_satisfaction_when_ratings_exist(aiohttp_client, db, project):
    from models import Rating, RatingSurvey
    from services import clock, tickets

    client, _ = await _owner(aiohttp_client, db, project)
    page = await (await client.get("/console/settings/reports?days=7")).text()
    assert 'id="csat"' not in page  # no ratings: no CSAT block
    now = clock.now()
    for cycle, score in enumerate((5, 4, 4)):
        ticket = await tickets.create_ticket(project, tickets.NewTicket(text=f"t{cycle}"))
        survey = await RatingSurvey.create(project=project, ticket=ticket, cycle=1, sent_at=now)
        await Rating.create(
            project=project, ticket=ticket, survey=survey, score=score, rated_at=now
        )
    page = await (await client.get("/console/settings/reports?days=7")).text()
    assert re.search(r'id="csat-average">Average \S*4\.33\S* of 5 from \S*3\S* ratings', page)
    assert re.search(r'data-score="4"><th>★★★★</th><td>2</td>', page)
    assert re.search(r'data-score="5"><th>★★★★★</th><td>1</td>', page)


async def test_russian_settings_and_no_invite_for_another_projects_agent(
    aiohttp_client, db, project
):
    from services import agents, audit
    from services.projects import create_project

    other, _ = await create_project(name="Other")
    stranger = await agents.add_agent(other, audit.CLI, name="Stranger", telegram_user_id=77)
    client, csrf = await _owner(aiohttp_client, db, project)
    page = await client.get("/console/settings/agents", headers={"Accept-Language": "ru"})
    text = await page.text()
    assert "Операторы" in text and "Добавить оператора" in text and "Stranger" not in text
    response = await client.post(
        "/console/settings/agents/invite", data={"csrf": csrf, "id": str(stranger.id)}
    )
    # refused as an unknown agent of this project (the same answer as a made-up id)
    assert response.status == 400
    assert "/console/login/" not in await response.text()
    assert not await AuditEntry.filter(project_id=project.id, action="agent.invited").exists()
