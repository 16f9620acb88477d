"""Settings journeys in a real browser: the webhook (SSRF refusal, rotate + test event
verified with both secrets by a receiver, a failed delivery replayed from the log with the
same webhook-id, re-enable after 410), the reports' figures against the database, the audit
log, the first-run link, tenancy, and the 403 page for agents and viewers."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import math
import statistics
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import expect

from models import OutboxEvent, Project, Ticket
from models.enums import Channel, TicketStatus
from services import clock, projects, tickets
from tests.console.conftest import LiveDesk
from tests.test_settings_webhook import signed_by

pytestmark = pytest.mark.browser
SETTINGS = "/console/settings"
WAIT = 20  # s: how long the receiver waits for the live delivery worker


class Receiver:
    """Answers from `script` (then 200); hands each request to the waiting test."""

    def __init__(self) -> None:
        self.requests: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.script: list[int] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await self.requests.put({"headers": dict(request.headers), "body": await request.text()})
        return web.Response(status=self.script.pop(0) if self.script else 200)

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.requests.get(), WAIT)


@pytest.fixture
async def receiver(aiohttp_server: Any) -> Receiver:
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/hook", recv.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    recv.url = str(server.make_url("/hook"))
    return recv


@pytest.fixture
async def hook_desk(db: str, project: Any, browser: Any) -> AsyncIterator[LiveDesk]:
    """The whole product (role all, its webhook worker running) allowed to deliver to the
    local receiver, as WEBHOOK_ALLOW_PRIVATE_NETWORKS=true does."""
    from aiohttp.test_utils import TestClient, TestServer

    from helpdesk.app import create_app
    from tests.conftest import TEST_REDIS_URL
    from tests.dialogs.conftest import make_settings

    settings = make_settings(
        database_url=db, redis_url=TEST_REDIS_URL, webhook_allow_private_networks=True
    )
    client = TestClient(TestServer(create_app(settings, role="all")))
    await client.start_server()
    try:
        yield LiveDesk(client, None, project, browser)
    finally:
        await client.close()


async def _csrf(page: Any) -> str:
    return await page.locator('input[name="csrf"]').first.get_attribute("value")


async def test_a_private_webhook_url_is_refused_with_a_clear_message(desk: LiveDesk) -> None:
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/webhook")
    form = page.locator("#webhook-form")
    await form.locator("input[name=url]").fill("http://127.0.0.1:9/hook")
    await form.locator("button").click()
    await expect(page.locator("#form-error .reason")).to_contain_text(
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS"
    )
    assert (await Project.get(id=desk.project.id)).webhook_url is None
    # a test event without a URL is refused too, nothing queued
    await page.locator("#test-event").click()
    await expect(page.locator("#form-error .reason")).to_contain_text("webhook_url")
    assert not await OutboxEvent.exists(project_id=desk.project.id)


async def test_rotate_and_test_event_verify_and_a_failed_delivery_replays(
    hook_desk: LiveDesk, receiver: Receiver
) -> None:
    desk = hook_desk
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/webhook")
    await page.locator("#webhook-form input[name=url]").fill(receiver.url)
    await page.locator("#webhook-form button").click()
    await expect(page.locator("#webhook-form input[name=url]")).to_have_value(receiver.url)
    await page.locator("#reveal").click()
    old = await page.locator("#secret-value").input_value()
    await page.locator("#rotate").click()
    new = await page.locator("#secret-value").input_value()
    assert new != old and new.startswith("whsec_")
    await page.goto(f"{desk.base}{SETTINGS}/webhook")
    assert new not in await page.content()  # shown on request only
    await page.locator("#reveal").click()
    await expect(page.locator("#previous-secret")).to_have_value(old)

    await page.locator("#test-event").click()
    request = await receiver.next()
    body = json.loads(request["body"])
    assert body["event"] == "webhook.test"
    assert signed_by(request, old) and signed_by(request, new)

    # a failed delivery: in the failed filter, replayed from the log with the same id
    receiver.script = [500]
    await tickets.create_ticket(desk.project, tickets.NewTicket(text="Help"))
    failed = await receiver.next()
    await page.goto(f"{desk.base}{SETTINGS}/webhook")
    await page.locator("#failed-filter").click()
    row = page.locator(f'tr.delivery[data-id="{failed["headers"]["webhook-id"]}"]')
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("500")
    await expect(page.locator("tr.delivery")).to_have_count(1)
    await row.locator("button.replay").click()
    again = await receiver.next()
    assert again["headers"]["webhook-id"] == failed["headers"]["webhook-id"]
    assert signed_by(again, new)
    # a 410 disables the endpoint; the page says so and re-enables it
    await Project.filter(id=desk.project.id).update(webhook_disabled=True)
    await page.goto(f"{desk.base}{SETTINGS}/webhook")
    await page.locator("#reenable").click()
    await expect(page.locator("#webhook-disabled")).to_have_count(0)
    assert not (await Project.get(id=desk.project.id)).webhook_disabled
    await page.goto(f"{desk.base}{SETTINGS}/audit")
    for action in ("webhook.url_set", "webhook.secret_rotated", "webhook.replayed"):
        await expect(page.locator(f'tr.entry[data-action="{action}"]')).to_have_count(1)
    await expect(page.locator("tr.entry").first).to_contain_text("Owner")


async def _seed(project: Any) -> list[Ticket]:
    """Tickets with known times: created d days ago, first answer after m minutes,
    closed after c minutes (None = still open)."""
    now = clock.now()
    plan = [  # (days ago, channel, first response minutes, closed after minutes)
        (0, Channel.TELEGRAM, 10, 60), (1, Channel.TELEGRAM, 20, None),
        (2, Channel.MAX, 30, 120), (3, Channel.VIRTUAL, None, None),
        (6, Channel.TELEGRAM, 40, 600), (20, Channel.MAX, 5, 30),
    ]
    made = []
    for days, channel, answered, closed in plan:
        ticket = await tickets.create_ticket(project, tickets.NewTicket(text=f"seed {days}"))
        created = now - timedelta(days=days, minutes=5)
        fields: dict[str, Any] = {"created_at": created, "channel": channel}
        if answered is not None:
            fields["first_response_at"] = created + timedelta(minutes=answered)
        if closed is not None:
            fields.update(closed_at=created + timedelta(minutes=closed),
                          status=TicketStatus.CLOSED)
        await Ticket.filter(id=ticket.id).update(**fields)
        made.append(ticket)
    return made


async def test_reports_equal_the_database_and_the_csv_parses(desk: LiveDesk) -> None:
    await _seed(desk.project)
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/reports?days=7")
    # the figures, computed here from the rows themselves
    since = clock.now().date() - timedelta(days=6)
    rows = await Ticket.filter(project_id=desk.project.id).all()
    created = [t for t in rows if t.created_at.date() >= since]
    closed = [t for t in rows if t.closed_at is not None and t.closed_at.date() >= since]
    await expect(page.locator("#total .created")).to_have_text(str(len(created)))
    await expect(page.locator("#total .closed")).to_have_text(str(len(closed)))
    answers = [(t.first_response_at - t.created_at).total_seconds() / 60 for t in created
               if t.first_response_at is not None]
    assert sorted(answers) == [10, 20, 30, 40]
    # median of an even count: the mean of the middle two; p90: nearest rank (ceil(0.9 n))
    median = statistics.median(answers)
    p90 = sorted(answers)[math.ceil(0.9 * len(answers)) - 1]
    await expect(page.locator("#total .first-response")).to_have_text(
        f"{round(median)} min / {round(p90)} min"
    )
    for channel in (Channel.TELEGRAM, Channel.MAX, Channel.VIRTUAL):
        count = sum(1 for t in created if t.channel == channel)
        if count:
            await expect(
                page.locator(f'tr.by-channel[data-channel="{channel}"] .created')
            ).to_have_text(str(count))
    await expect(page.locator("#chart svg")).to_have_count(1)
    assert await page.locator("#chart script").count() == 0

    async with page.expect_download() as download_info:
        await page.locator("#csv").click()
    download = await download_info.value
    text = Path(await download.path()).read_text(encoding="utf-8")  # noqa: ASYNC240
    table = list(csv.DictReader(io.StringIO(text)))
    [total] = [r for r in table if r["section"] == "total"]
    assert int(total["created"]) == len(created) and int(total["closed"]) == len(closed)
    days = [r for r in table if r["section"] == "day"]
    assert len(days) == 7 and sum(int(r["created"]) for r in days) == len(created)

    # 30 days takes in the older ticket; a bad period is refused with the reason
    await page.locator("#days-30").click()
    await expect(page.locator("#total .created")).to_have_text(str(len(rows)))
    await page.goto(f"{desk.base}{SETTINGS}/reports?from=2026-02-10&to=2026-02-01")
    await expect(page.locator("#form-error .reason")).to_contain_text("to")


async def test_first_run_link_signs_in(desk: LiveDesk) -> None:
    from helpdesk.cli_commands import demo

    printed = await demo(argparse.Namespace(host="127.0.0.1", port=8080))
    token = printed["console"].rsplit("/", 1)[1]
    assert "/console/login/" in printed["console"]
    page = await (await desk.browser.new_context()).new_page()
    response = await page.goto(f"{desk.base}/console/login/{token}")
    assert response is not None and response.status == 200
    await page.click("#settings-link")
    await expect(page.locator("h1")).to_have_text("Project")
    await expect(page.locator("input[name=name]")).to_have_value("Demo")


async def test_another_projects_admin_sees_nothing_of_this_one(desk: LiveDesk) -> None:
    await tickets.create_ticket(desk.project, tickets.NewTicket(text="Ours"))
    ours = await projects.create_api_key(desk.project)
    other, _ = await projects.create_project(name="Other desk")
    page = await desk.signed_in_page()
    await page.goto(f"{desk.base}{SETTINGS}/keys")
    our_prefix = await page.locator("tr.key").first.get_attribute("data-prefix")
    assert our_prefix and ours.startswith(our_prefix)

    from services import console_auth

    issued = await console_auth.create_login_link(other.id)
    theirs = await (await desk.browser.new_context()).new_page()
    await theirs.goto(issued.url(desk.base))
    for name in ("keys", "agents", "webhook", "audit", "reports", "types"):
        await theirs.goto(f"{desk.base}{SETTINGS}/{name}")
        content = await theirs.content()
        assert our_prefix not in content and desk.project.name not in content
    await theirs.goto(f"{desk.base}{SETTINGS}/reports?days=7")
    await expect(theirs.locator("#total .created")).to_have_text("0")
    # their form cannot revoke our key: refused, ours still works
    response = await theirs.request.post(
        f"{desk.base}{SETTINGS}/keys/revoke",
        form={"csrf": await _csrf(theirs), "prefix": our_prefix},
    )
    assert response.status == 404
    headers = {"Authorization": f"Bearer {ours}"}
    assert (await desk.client.get("/v1/helpdesk/tickets", headers=headers)).status == 200


async def test_agents_and_viewers_get_the_403_page(desk: LiveDesk) -> None:
    for role in ("agent", "viewer"):
        page = await desk.signed_in_page(role=role)
        await expect(page.locator("#settings-link")).to_have_count(0)
        response = await page.goto(f"{desk.base}{SETTINGS}/project")
        assert response is not None and response.status == 403
        await expect(page.locator("h1")).to_have_text("Not allowed")
        response = await page.request.post(
            f"{desk.base}{SETTINGS}/project/save", form={"csrf": await _csrf(page), "name": "X"}
        )
        assert response.status == 403
        assert (await Project.get(id=desk.project.id)).name == desk.project.name
