"""The console over plain HTTP (no browser): sign-in links, sessions, CSRF, roles, tenancy,
headers. The browser journeys are test_console_browser.py."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from helpdesk.app import create_app
from models import ConsoleSession, LoginLink, Message
from models.enums import AgentRole, Author
from services import catalog, console_auth, tickets
from services.projects import create_project
from tests.api.conftest import api_settings


async def _client(aiohttp_client: Any, db: str) -> TestClient:
    return await aiohttp_client(create_app(api_settings(db), role="api"))


async def _signed_in(client: TestClient, project: Any, **kw: Any) -> str:
    """Sign in through a fresh link; returns the page's CSRF token."""
    issued = await console_auth.create_login_link(project.id, **kw)
    response = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console"
    page = await client.get("/console")
    assert page.status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found
    return found.group(1)


async def test_link_signs_in_once_and_stores_only_hashes(aiohttp_client, db, project, caplog):
    client = await _client(aiohttp_client, db)
    issued = await console_auth.create_login_link(project.id)
    assert issued.agent.role == AgentRole.OWNER and issued.expires_in == 900
    caplog.set_level("INFO")
    first = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert first.status == 303
    cookie = first.cookies["hd_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # served over http here
    second = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert second.status == 410
    assert "already used or has expired" in await second.text()
    link = await LoginLink.get(agent_id=issued.agent.id)
    session = await ConsoleSession.get(agent_id=issued.agent.id)
    assert issued.token not in (link.token_hash, session.token_hash)
    assert cookie.value not in session.token_hash
    assert issued.token not in caplog.text and "failed" in caplog.text
    # signing out ends the session on the server too
    page = await client.get("/console")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found
    csrf = found.group(1)
    out = await client.post("/console/logout", data={"csrf": csrf}, allow_redirects=False)
    assert out.status == 303
    assert not await ConsoleSession.exists(agent_id=issued.agent.id)
    client.session.cookie_jar.update_cookies({"hd_console": cookie.value})
    assert (await client.get("/console")).status == 401


async def test_expired_link_and_idle_session(aiohttp_client, db, project, frozen_clock):
    client = await _client(aiohttp_client, db)
    issued = await console_auth.create_login_link(project.id)
    frozen_clock.advance(seconds=15 * 60 + 1)
    response = await client.get(f"/console/login/{issued.token}")
    assert response.status == 410
    assert (await client.get("/console")).status == 401
    await _signed_in(client, project)
    frozen_clock.advance(days=6)
    assert (await client.get("/console")).status == 200  # seen: the idle time starts again
    frozen_clock.advance(days=7, seconds=1)
    assert (await client.get("/console")).status == 401


async def test_security_headers_and_csrf(aiohttp_client, db, project):
    client = await _client(aiohttp_client, db)
    await _signed_in(client, project)
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="help"))
    page = await client.get(f"/console/tickets/{ticket.id}")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in await page.text()  # no inline script: only src=
    for data in ({"text": "hi"}, {"text": "hi", "csrf": "forged"}):
        refused = await client.post(f"/console/tickets/{ticket.id}/reply", data=data)
        assert refused.status == 403
    assert await Message.filter(ticket_id=ticket.id, author=Author.AGENT).count() == 0


async def test_viewer_reads_but_cannot_write(aiohttp_client, db, project):
    client = await _client(aiohttp_client, db)
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="help"))
    csrf = await _signed_in(client, project, role="viewer")
    page = await client.get(f"/console/tickets/{ticket.id}")
    assert page.status == 200 and 'id="reply-form"' not in await page.text()
    refused = await client.post(
        f"/console/tickets/{ticket.id}/reply", data={"text": "hi", "csrf": csrf}
    )
    assert refused.status == 403
    assert await Message.filter(ticket_id=ticket.id, author=Author.AGENT).count() == 0


async def test_other_projects_ticket_is_404(aiohttp_client, db, project):
    client = await _client(aiohttp_client, db)
    other, _ = await create_project(name="Other Corp")
    theirs = await tickets.create_ticket(other, tickets.NewTicket(text="secret"))
    csrf = await _signed_in(client, project)
    assert (await client.get(f"/console/tickets/{theirs.id}")).status == 404
    post = await client.post(
        f"/console/tickets/{theirs.id}/reply", data={"text": "x", "csrf": csrf}
    )
    assert post.status == 404
    agent = await catalog.add_agent(project, name="Kate")
    foreign = await client.post(
        f"/console/tickets/{theirs.id}/assign", data={"agent_id": str(agent.id), "csrf": csrf}
    )
    assert foreign.status == 404


async def test_cli_link_for_an_agent_sets_its_role(db, project):
    agent = await catalog.add_agent(project, name="Kate")
    issued = await console_auth.create_login_link(project.id, agent.id, "admin")
    assert issued.agent.id == agent.id and issued.agent.role == AgentRole.ADMIN
    assert issued.url("https://desk.example/") == (
        f"https://desk.example/console/login/{issued.token}"
    )
    owner = await console_auth.create_login_link(project.id)
    again = await console_auth.create_login_link(project.id)
    assert owner.agent.id == again.agent.id  # the owner is made once


async def test_cookie_is_secure_when_the_console_is_served_over_https(aiohttp_client, db, project):
    settings = api_settings(db, console_base_url="https://desk.example")
    client = await aiohttp_client(create_app(settings, role="api"))
    issued = await console_auth.create_login_link(project.id)
    response = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert response.status == 303 and response.cookies["hd_console"]["secure"]


async def test_link_openings_are_rate_limited_per_address(aiohttp_client, db, project, caplog):
    client = await _client(aiohttp_client, db)
    caplog.set_level("WARNING")
    statuses = [(await client.get(f"/console/login/guess{n}")).status for n in range(11)]
    assert statuses == [410] * 10 + [429]
    assert "too many attempts" in caplog.text and "guess" not in caplog.text
    # a good link from that address waits for the next window too
    issued = await console_auth.create_login_link(project.id)
    assert (await client.get(f"/console/login/{issued.token}")).status == 429


async def test_unknown_console_pages_are_html_404s(aiohttp_client, db, project):
    client = await _client(aiohttp_client, db)
    await _signed_in(client, project)
    for path in ("/console/tickets/not-a-uuid", "/console/nope"):
        response = await client.get(path)
        assert response.status == 404, path
        assert response.content_type == "text/html", path
