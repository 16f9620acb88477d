"""The console's search box, canned-reply picker and canned-replies settings page in a real
browser (chromium via Playwright) against the whole product: a reply added on the settings
page is picked on a ticket found by search, and the customer's Telegram chat receives it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from models import CannedReply
from tests.console.conftest import LiveDesk
from tests.console.test_console_browser import _telegram_ticket
from tests.test_bot_e2e import CHAT

pytestmark = pytest.mark.browser


async def test_search_then_send_a_canned_reply_added_in_settings(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}/console/settings/canned")
    add = page.locator("#canned-add")
    await add.locator("input[name=code]").fill("Bad Code")
    await add.locator("input[name=title]").fill("Late")
    await add.locator("button").click()
    await expect(page.locator("#form-error .reason")).to_contain_text("code")
    assert not await CannedReply.exists(project_id=desk.project.id)
    await add.locator("input[name=code]").fill("late")
    await add.locator("textarea[name=text]").fill("Sorry, {customer.first_name}, it is late.")
    await add.locator("button").click()
    await expect(page.locator('tr.canned[data-code="late"]')).to_have_count(1)

    await _telegram_ticket(desk, "My parcel is late", subject="Parcel")
    await _telegram_ticket(desk, "Refund please", subject="Refund", chat_id=CHAT + 1)
    await page.goto(f"{desk.base}/console")
    await page.fill("#filter-q", "parcels")
    await page.locator("#filters button").click()
    await expect(page.locator("tr.ticket")).to_have_count(1)
    await expect(page.locator("tr.ticket a.subject")).to_have_text("Parcel")
    await page.locator("tr.ticket a.subject").click()

    await page.select_option("#reply-canned", label="/late · Late")
    await page.get_by_role("button", name="Send to customer").click()
    await expect(page.locator("#thread .msg-agent")).to_contain_text("Sorry, Ann, it is late.")
    await desk.tg.wait_until(
        lambda: any("Sorry, Ann, it is late." in t for t in desk.tg.sent_texts(CHAT))
    )
