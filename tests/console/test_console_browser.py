"""Console journeys in a real browser (chromium via Playwright) against the whole product:
the Telegram bot in webhook mode talking to FakeTelegram, the delivery workers running."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from helpdesk.app import RESOURCES
from models import Message, OutboundMessage, OutboxEvent, Ticket
from models.enums import Channel, Priority, TicketStatus
from services import agent_chat, catalog, requests, tickets
from services.notifications import CUSTOMER_TEXT
from services.projects import create_project
from tests.console.conftest import WEBHOOK_PATH, WEBHOOK_SECRET, LiveDesk
from tests.test_bot_e2e import CHAT, find_button

pytestmark = pytest.mark.browser
AGENT_GROUP = -1001000
LIVE = 15_000  # ms: the page polls every 3 s; expect() waits up to this for it to show


async def _telegram_ticket(desk: LiveDesk, text: str = "My order is late", **kw: Any) -> Ticket:
    new = tickets.NewTicket(
        text=text, subject=kw.pop("subject", "Late order"), channel=Channel.TELEGRAM,
        chat_id=kw.pop("chat_id", CHAT), first_name="Ann", username="ann", **kw,
    )
    return await tickets.create_ticket(desk.project, new)


class Customer:
    """The customer's Telegram client: updates posted to the bot's webhook route."""

    def __init__(self, desk: LiveDesk) -> None:
        self.desk = desk

    async def post(self, update: dict[str, Any]) -> None:
        response = await self.desk.client.post(
            WEBHOOK_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        )
        assert response.status == 200

    async def say(self, text: str) -> None:
        await self.post(self.desk.tg.updates.message(CHAT, CHAT, text, first_name="Ann",
                                                     username="ann"))

    async def click(self, pattern: str) -> None:
        message_id, data = find_button(self.desk.tg, pattern)
        await self.post(self.desk.tg.updates.callback(CHAT, CHAT, data, message_id=message_id))


async def test_sign_in_with_a_link_and_a_used_or_expired_link(desk: LiveDesk) -> None:
    context = await desk.browser.new_context()
    page = await context.new_page()
    url = await desk.link()
    response = await page.goto(url)
    assert response.status == 200 and page.url == f"{desk.base}/console"
    await expect(page.locator("header .who")).to_contain_text("Owner · owner")
    cookies = await context.cookies()
    [session] = [c for c in cookies if c["name"] == "hd_console"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"

    again = await (await desk.browser.new_context()).new_page()
    response = await again.goto(url)
    assert response.status == 410
    await expect(again.locator("h1")).to_have_text("This link cannot be used")
    assert "hd_console" not in {c["name"] for c in await again.context.cookies()}

    # an expired link: its 15 minutes are over
    from models import LoginLink
    from services import clock

    expired_url = await desk.link()
    token = expired_url.rsplit("/", 1)[1]
    from services.console_auth import token_hash

    await LoginLink.filter(token_hash=token_hash(token)).update(
        expires_at=clock.now().replace(year=2020)
    )
    response = await again.goto(expired_url)
    assert response.status == 410
    await expect(again.locator("p").first).to_contain_text("already used or has expired")
    # sign out: the inbox asks for a new link
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator("h1")).to_have_text("Please sign in")


async def test_inbox_filters(desk: LiveDesk) -> None:
    kate = await catalog.add_agent(desk.project, name="Kate")
    bug = await catalog.create_ticket_type(desk.project, name="Bug")
    late = await _telegram_ticket(desk, subject="Late order")
    urgent = await tickets.create_ticket(
        desk.project, tickets.NewTicket(text="Site is down", subject="Site down",
                                        ticket_type_id=bug.id)
    )
    await tickets.set_priority(desk.project, urgent.id, "urgent")
    await tickets.assign(desk.project, urgent.id, kate.id)
    closed = await tickets.create_ticket(
        desk.project, tickets.NewTicket(text="Thanks", subject="Solved")
    )
    await tickets.change_status(desk.project, closed.id, "closed")

    page = await desk.signed_in_page()
    rows = page.locator("tr.ticket")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("Solved")  # newest first
    await expect(page.locator('.counts a[data-status="closed"] b')).to_have_text("1")
    await expect(page.locator('.counts a[data-status="new"] b')).to_have_text("2")

    async def only(**choices: str) -> list[str]:
        await page.goto(f"{desk.base}/console")
        for name, value in choices.items():
            await page.select_option(f'select[name="{name}"]', value)
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_load_state()
        return [s.strip() for s in await page.locator("tr.ticket .subject").all_inner_texts()]

    assert await only(status="closed") == ["Solved"]
    assert await only(priority="urgent") == ["Site down"]
    assert await only(channel="telegram") == ["Late order"]
    assert await only(type=str(bug.id)) == ["Site down"]
    assert await only(assignee=str(kate.id)) == ["Site down"]
    assert await only(assignee="unassigned") == ["Solved", "Late order"]
    assert await only(assignee="me") == []
    await expect(page.locator(".empty")).to_have_text("No tickets match these filters.")
    # the filters stay chosen, and a count link filters by status
    await page.goto(f"{desk.base}/console")
    await page.locator('.counts a[data-status="closed"]').click()
    await expect(page.locator("tr.ticket")).to_have_count(1)
    assert late.number == 1


async def test_customer_telegram_message_appears_in_the_open_inbox(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await expect(page.locator(".empty")).to_be_visible()
    customer = Customer(desk)
    created = await requests.create_request(desk.project, desk.client.app[RESOURCES].links)
    await customer.say(f"/start hdreq_{created['request_id']}")
    await customer.click("✅ Subscribe")
    await customer.click("📝 New ticket")
    await customer.say("The parcel never came\nOrder 1234")
    await customer.click("📨 Send")
    ticket = await Ticket.get(project_id=desk.project.id)
    # no reload: the page's own script notices and redraws the list
    row = page.locator("tr.ticket")
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row).to_contain_text("The parcel never came")
    assert ticket.customer_first_name
    await expect(row).to_contain_text(ticket.customer_first_name)
    await expect(row).to_contain_text("Telegram")
    await expect(page.locator('.counts a[data-status="new"] b')).to_have_text("1")

    # the ticket page too: the customer's next message shows up without a reload
    await row.locator("a.subject").click()
    await expect(page.locator("#thread .msg-customer")).to_have_count(1)
    await customer.say("Any news?")
    await expect(page.locator("#thread .msg-customer")).to_have_count(2, timeout=LIVE)
    await expect(page.locator("#thread")).to_contain_text("Any news?")
    assert ticket.channel == Channel.TELEGRAM


async def test_reply_note_and_controls(desk: LiveDesk) -> None:
    desk.tg.add_chat(AGENT_GROUP, is_forum=True)
    code = await agent_chat.create_binding_code(desk.project.id)
    await agent_chat.bind_chat(code.code, AGENT_GROUP, is_forum=True)
    ticket = await _telegram_ticket(desk)
    kate = await catalog.add_agent(desk.project, name="Kate")
    page = await desk.signed_in_page()
    await page.locator("tr.ticket a.subject").click()
    await expect(page.locator("h1")).to_contain_text("#1 · Late order")

    await page.fill("#reply-text", "It ships tomorrow")
    await page.get_by_role("button", name="Send to customer").click()
    await expect(page.locator("#ticket-status")).to_have_text("waiting")
    await expect(page.locator("#thread .msg-agent")).to_contain_text("It ships tomorrow")
    # the delivery worker sent it to the customer's Telegram chat
    await desk.tg.wait_until(
        lambda: any("It ships tomorrow" in t for t in desk.tg.sent_texts(CHAT))
    )
    events = [e.event for e in await OutboxEvent.filter(ticket_id=ticket.id).order_by("seq")]
    assert "ticket.replied" in events and "ticket.status_changed" in events
    # the agents' topic shows it, marked as written in the console
    await desk.tg.wait_until(lambda: any(
        "sent from the web console" in t and "It ships tomorrow" in t
        for t in desk.tg.sent_texts(AGENT_GROUP)
    ))

    await page.fill("#reply-text", "Customer seems upset; be gentle")
    await page.get_by_role("button", name="Save as internal note").click()
    await expect(page.locator("#thread .msg-internal")).to_contain_text("be gentle")
    rows = await OutboundMessage.filter(ticket_id=ticket.id, kind=CUSTOMER_TEXT)
    assert not any("be gentle" in str(row.payload) for row in rows)
    assert not any("be gentle" in t for t in desk.tg.sent_texts(CHAT))

    await page.select_option("#priority-form select", "high")
    await page.locator("#priority-form button").click()
    await expect(page.locator("#ticket-priority")).to_have_text("high")
    await page.select_option("#assign-form select", str(kate.id))
    await page.locator("#assign-form button").click()
    await expect(page.locator("#ticket-assignee")).to_contain_text("Kate")
    await page.select_option("#status-form select", "closed")
    await page.locator("#status-form button").click()
    await expect(page.locator("#ticket-status")).to_have_text("closed")
    stored = await Ticket.get(id=ticket.id).select_related("assignee")
    assert stored.priority == Priority.HIGH and stored.status == TicketStatus.CLOSED
    assert stored.assignee is not None and stored.assignee.name == "Kate"
    events = [e.event for e in await OutboxEvent.filter(ticket_id=ticket.id).order_by("seq")]
    assert {"ticket.priority_changed", "ticket.assigned", "ticket.closed"} <= set(events)
    # a reply to a closed ticket is refused with the reason, and nothing is sent
    await page.fill("#reply-text", "one more thing")
    await page.get_by_role("button", name="Send to customer").click()
    await expect(page.locator("#form-error")).to_contain_text("closed")


async def test_viewer_cannot_reply(desk: LiveDesk) -> None:
    ticket = await _telegram_ticket(desk)
    page = await desk.signed_in_page(role="viewer")
    await page.goto(f"{desk.base}/console/tickets/{ticket.id}")
    await expect(page.locator("#read-only")).to_be_visible()
    await expect(page.locator("#reply-form")).to_have_count(0)
    await expect(page.locator("#status-form")).to_have_count(0)
    csrf = await page.locator('input[name="csrf"]').first.get_attribute("value")
    response = await page.request.post(
        f"{desk.base}/console/tickets/{ticket.id}/reply", form={"text": "hi", "csrf": csrf}
    )
    assert response.status == 403
    assert not any("hi" == t for t in desk.tg.sent_texts(CHAT))


async def test_xss_and_csrf_attempts_fail(desk: LiveDesk) -> None:
    evil = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
    ticket = await _telegram_ticket(desk, text=evil, subject="<b>bold</b>")
    page = await desk.signed_in_page()
    await expect(page.locator("tr.ticket .subject")).to_have_text("<b>bold</b>")
    await page.goto(f"{desk.base}/console/tickets/{ticket.id}")
    await expect(page.locator("#thread .msg-customer .text")).to_have_text(evil)
    assert await page.evaluate("window.__xss") is None
    assert await page.locator("#thread img").count() == 0

    # a forged post from the page's own origin without the token, and one with a wrong token
    for form in ({"text": "forged"}, {"text": "forged", "csrf": "guess"}):
        response = await page.request.post(
            f"{desk.base}/console/tickets/{ticket.id}/reply", form=form
        )
        assert response.status == 403
    # another site's auto-submitting form: the Lax cookie stays home, nothing is written
    attacker = await page.context.new_page()
    await attacker.set_content(
        f'<form method="post" action="{desk.base}/console/tickets/{ticket.id}/reply">'
        '<input name="text" value="forged"><button>go</button></form>'
    )
    async with attacker.expect_navigation() as navigation:
        await attacker.click("button")
    answer = await navigation.value
    assert answer is not None and answer.status in (401, 403)
    assert "forged" not in [m.text for m in await Message.filter(ticket_id=ticket.id)]


async def test_another_projects_ticket_is_404(desk: LiveDesk) -> None:
    other, _ = await create_project(name="Other Corp")
    theirs = await tickets.create_ticket(other, tickets.NewTicket(text="secret"))
    page = await desk.signed_in_page()
    response = await page.goto(f"{desk.base}/console/tickets/{theirs.id}")
    assert response.status == 404
    await expect(page.locator("h1")).to_have_text("Not found")
    assert "secret" not in await page.content()


async def test_russian_ui_from_the_browser_and_the_switch(desk: LiveDesk) -> None:
    await _telegram_ticket(desk)
    page = await desk.signed_in_page(locale="ru-RU")
    await expect(page.locator("th").nth(1)).to_have_text("Тема")
    await expect(page.locator("tr.ticket")).to_contain_text("новая")
    await expect(page.get_by_role("button", name="Показать")).to_be_visible()
    await page.get_by_role("link", name="EN").click()
    await expect(page.locator("th").nth(1)).to_have_text("Subject")
    await page.get_by_role("link", name="RU").click()
    await expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    assert re.search(r'lang="ru"', await page.content())


async def test_readable_on_a_phone(desk: LiveDesk) -> None:
    ticket = await _telegram_ticket(desk, subject="A rather long subject about a late parcel")
    context = await desk.browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    await page.goto(await desk.link())
    await expect(page.locator("table.tickets thead")).to_be_hidden()  # rows become cards
    await expect(page.locator("tr.ticket td").nth(1)).to_be_visible()
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert await page.evaluate(no_sideways_scroll)
    await page.goto(f"{desk.base}/console/tickets/{ticket.id}")
    await expect(page.locator("#reply-text")).to_be_visible()
    assert await page.evaluate(no_sideways_scroll)
