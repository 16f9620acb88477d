"""The settings pages in a real browser (chromium via Playwright) against the whole product:
each page's create / change / remove, refused input shown with nothing written, and the
journeys the settings exist for (a revoked key, a webhook that verifies, a replayed delivery,
a removed agent's tickets, the reports' figures)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from models import AgentChatCode, ApiKey, AuditEntry, Project, Ticket, TicketType
from services import agent_chat, agents, tickets
from tests.console.conftest import LiveDesk

pytestmark = pytest.mark.browser
SETTINGS = "/console/settings"


async def _audited(project: Any) -> list[str]:
    return [e.action for e in await AuditEntry.filter(project_id=project.id).order_by("id")]


async def _refused(page: Any, reason: str) -> None:
    await expect(page.locator("#form-error")).to_be_visible()
    await expect(page.locator("#form-error .reason")).to_contain_text(reason)


async def test_project_page_changes_settings_and_refuses_a_bad_slug(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.click("#settings-link")
    await expect(page.locator("h1")).to_have_text("Project")
    form = page.locator("#project-form")
    await form.locator("input[name=slug]").fill("Not a slug!")
    await form.locator("input[name=name]").fill("Renamed <b>desk</b>")
    await form.locator("button").click()
    await _refused(page, "slug")
    await expect(form.locator("input[name=name]")).to_have_value("Renamed <b>desk</b>")
    stored = await Project.get(id=desk.project.id)
    assert stored.name == desk.project.name and await _audited(desk.project) == []

    await form.locator("input[name=slug]").fill("my-desk")
    await form.locator("input[name=rate_limit]").fill("12")
    await form.locator("input[name=helpdesk_allow_create]").uncheck()
    await form.locator("button").click()
    await expect(page.locator("#form-error")).to_have_count(0)
    stored = await Project.get(id=desk.project.id)
    assert (stored.name, stored.slug, stored.rate_limit) == ("Renamed <b>desk</b>", "my-desk", 12)
    assert not stored.helpdesk_allow_create and stored.helpdesk_enabled
    assert await _audited(desk.project) == ["project.updated"]
    # the help link of the new slug, with its QR code drawn by us (no script in it)
    await expect(page.locator("#help-payload")).to_have_text("help_my-desk")
    telegram = page.locator("#link-telegram")
    if await telegram.locator("a").count():
        await expect(telegram.locator("a")).to_contain_text("start=help_my-desk")
        await expect(telegram.locator("svg")).to_have_count(1)
    assert await page.locator("#settings-project script").count() == 0
    await expect(page.locator("header .project")).to_have_text("Renamed <b>desk</b>")


async def test_ticket_types_add_rename_reorder_deactivate(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/types")
    add = page.locator("#add-type")
    await add.locator("button").click()  # no name
    await _refused(page, "name")
    assert not await TicketType.exists(project_id=desk.project.id)
    for name in ("Billing", "Bug"):
        await add.locator("input[name=name]").fill(name)
        await add.locator("button").click()
        await expect(page.locator(f'tr.type[data-name="{name}"]')).to_have_count(1)
    await add.locator("input[name=name]").fill("billing")  # the same name, other case
    await add.locator("button").click()
    await _refused(page, "name")
    assert await TicketType.filter(project_id=desk.project.id).count() == 2

    row = page.locator('tr.type[data-name="Billing"]')
    await row.locator("input[name=name]").fill("Payments")
    await row.locator("input[name=description]").fill("Invoices and refunds")
    await row.locator("button.save").click()
    payments = page.locator('tr.type[data-name="Payments"]')
    await expect(payments).to_have_count(1)
    await payments.locator("button.down").click()
    await expect(page.locator("tr.type").first).to_have_attribute("data-name", "Bug")
    await page.locator('tr.type[data-name="Bug"] button.deactivate').click()
    await expect(page.locator('tr.type[data-name="Bug"] .state')).to_have_text("inactive")
    kinds = await TicketType.filter(project_id=desk.project.id).order_by("position")
    assert [(k.name, k.active) for k in kinds] == [("Bug", False), ("Payments", True)]
    assert kinds[1].description == "Invoices and refunds"
    await page.locator('tr.type[data-name="Bug"] button.reactivate').click()
    await expect(page.locator('tr.type[data-name="Bug"] .state')).to_have_text("active")
    assert (await TicketType.get(id=kinds[0].id)).active
    assert "ticket_type.deactivated" in await _audited(desk.project)


async def test_agents_add_role_invite_and_remove_unassigns_tickets(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/agents")
    add = page.locator("#add-agent")
    await add.locator("input[name=name]").fill("Bob")
    await add.locator("input[name=telegram_user_id]").fill("not a number")
    await add.locator("button").click()
    await _refused(page, "telegram_user_id")
    assert not await agents.list_project_agents(desk.project) or all(
        a.name != "Bob" for a in await agents.list_project_agents(desk.project)
    )
    await add.locator("input[name=telegram_user_id]").fill("4242")
    await add.locator("button").click()
    bob_row = page.locator('tr.agent[data-name="Bob"]')
    await expect(bob_row.locator(".origin")).to_have_text("added here")
    [bob] = [a for a in await agents.list_project_agents(desk.project) if a.name == "Bob"]
    assert bob.telegram_user_id == 4242 and bob.role == "agent"

    await bob_row.locator("select[name=role]").select_option("admin")
    await bob_row.locator("button.save").click()
    await expect(bob_row.locator("select[name=role]")).to_have_value("admin")
    # the last owner cannot be demoted: refused with the reason
    owner_row = page.locator('tr.agent[data-name="Owner"]')
    await owner_row.locator("select[name=role]").select_option("viewer")
    await owner_row.locator("button.save").click()
    await _refused(page, "owner")

    # invite: a one-time link, shown once, signs Bob in
    await page.locator('tr.agent[data-name="Bob"] button.invite').click()
    url = await page.locator("#invite-link input").input_value()
    # the link names the configured console address (CONSOLE_BASE_URL), not the request's
    # Host; the test server listens elsewhere
    assert url.startswith("http://127.0.0.1:8080/console/login/")
    bob_page = await (await desk.browser.new_context()).new_page()
    response = await bob_page.goto(desk.base + "/console/login/" + url.rsplit("/", 1)[1])
    assert response is not None and response.status == 200
    await expect(bob_page.locator("header .who")).to_contain_text("Bob · admin")
    assert "agent.invited" in await _audited(desk.project)

    ticket = await tickets.create_ticket(desk.project, tickets.NewTicket(text="Help"))
    await tickets.assign(desk.project, ticket.id, bob.id)
    await page.goto(f"{desk.base}{SETTINGS}/agents")
    await page.locator('tr.agent[data-name="Bob"] button.remove').click()
    await expect(page.locator("#agent-removed")).to_contain_text("1 of their tickets")
    await expect(page.locator('tr.agent[data-name="Bob"]')).to_have_count(0)
    assert (await Ticket.get(id=ticket.id)).assignee_id is None
    # Bob is signed out
    await bob_page.reload()
    await expect(bob_page.locator("h1")).to_have_text("Please sign in")


async def test_api_key_created_once_works_and_stops_when_revoked(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/keys")
    await page.locator("#create-key button").click()
    raw = await page.locator("#new-key input").input_value()
    await page.locator("#new-key button.copy-button").click()  # our script, no inline JS
    await expect(page.locator("#new-key button.copy-button")).to_have_attribute(
        "data-copied", "true"
    )
    assert raw.startswith("hd_live_")
    prefix = (await ApiKey.get(prefix=raw[: len("hd_live_") + 8])).prefix
    headers = {"Authorization": f"Bearer {raw}"}
    assert (await desk.client.get("/v1/helpdesk/tickets", headers=headers)).status == 200
    await page.goto(f"{desk.base}{SETTINGS}/keys")
    await expect(page.locator("#new-key")).to_have_count(0)  # shown once only
    assert raw not in await page.content()
    row = page.locator(f'tr.key[data-prefix="{prefix}"]')
    await row.locator("button.revoke").click()
    await expect(row.locator(".state")).to_contain_text("revoked")
    # the revoking process stops it at once (other API processes within 5 s, README)
    assert (await desk.client.get("/v1/helpdesk/tickets", headers=headers)).status == 401
    assert await _audited(desk.project) == ["api_key.created", "api_key.revoked"]


async def test_agent_chat_code_and_unbind(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/agent-chat")
    await expect(page.locator("#not-bound")).to_be_visible()
    await page.locator("#new-code").click()
    connect = await page.locator("#bind-code input").input_value()
    code = connect.removeprefix("/connect ")
    assert await AgentChatCode.exists(code=code)
    await agent_chat.bind_chat(code, -100777, is_forum=True)
    await page.goto(f"{desk.base}{SETTINGS}/agent-chat")
    await expect(page.locator("#bound")).to_contain_text("-100777")
    await expect(page.locator("#bound")).to_contain_text("Telegram")
    await page.locator("#unbind").click()
    await expect(page.locator("#not-bound")).to_be_visible()
    assert (await Project.get(id=desk.project.id)).agent_chat_id is None
    # nothing bound: unbinding again is refused with the reason
    response = await page.request.post(
        f"{desk.base}{SETTINGS}/agent-chat/unbind",
        form={"csrf": await page.locator('input[name="csrf"]').first.get_attribute("value")},
    )
    assert response.status == 409
    assert "agent_chat.unbound" in await _audited(desk.project)
