"""The console picks up search, service levels and canned replies (#16/#17) over plain HTTP:
the inbox's `q` box and SLA filter, the ticket's due times, the canned-reply picker."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from helpdesk.app import create_app
from models import Message
from services import canned_replies, clock, console_auth, service_levels, tickets
from services.canned_replies import CannedReplyInput
from tests.api.conftest import api_settings

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def _signed_in(
    aiohttp_client: Any, db: str, project: Any, **kw: Any
) -> tuple[TestClient, str]:
    client = await aiohttp_client(create_app(api_settings(db), role="api"))
    issued = await console_auth.create_login_link(project.id, **kw)
    response = await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    assert response.status == 303
    page = await client.get("/console")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found
    return client, found.group(1)


def _numbers(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<tr class="ticket" data-number="(\d+)"', html)}


async def test_inbox_search_box_finds_by_words_with_the_other_filters(
    aiohttp_client, db, project
):
    printer = await tickets.create_ticket(project, tickets.NewTicket(text="The printer is jammed"))
    refund = await tickets.create_ticket(project, tickets.NewTicket(text="I want a refund"))
    other = await tickets.create_ticket(project, tickets.NewTicket(text="Printers again"))
    await tickets.change_status(project, other.id, "closed")
    client, _ = await _signed_in(aiohttp_client, db, project)
    page = await (await client.get("/console?q=printer")).text()
    assert _numbers(page) == {printer.number, other.number}
    assert 'value="printer"' in page  # the box keeps the words
    page = await (await client.get("/console?q=printer&status=new")).text()
    assert _numbers(page) == {printer.number}
    assert _numbers(await (await client.get("/console?q=refunds")).text()) == {refund.number}
    assert _numbers(await (await client.get("/console?q=%21%21")).text()) == set()
    assert _numbers(await (await client.get("/console")).text()) == {
        printer.number, refund.number, other.number
    }


async def test_inbox_sla_filter_and_the_tickets_due_times(
    aiohttp_client, db, project, frozen_clock: clock.FrozenClock
):
    frozen_clock.at = START
    await service_levels.put_settings(project.id, {
        "timezone": "UTC",
        "targets": {"first_response_minutes": 60},
        "warn_before_minutes": 15,
    })
    early = await tickets.create_ticket(project, tickets.NewTicket(text="early"))
    frozen_clock.advance(minutes=50)
    late = await tickets.create_ticket(project, tickets.NewTicket(text="late"))
    client, _ = await _signed_in(aiohttp_client, db, project)
    assert _numbers(await (await client.get("/console?sla=warning")).text()) == {early.number}
    assert _numbers(await (await client.get("/console?sla=breached")).text()) == set()
    frozen_clock.advance(minutes=11)
    assert _numbers(await (await client.get("/console?sla=breached")).text()) == {early.number}
    assert _numbers(await (await client.get("/console?sla=warning")).text()) == set()
    refused = await client.get("/console?sla=soon")
    assert refused.status == 400
    page = await (await client.get(f"/console/tickets/{early.id}")).text()
    assert 'id="ticket-sla"' in page and "SLA breached" in page
    assert '<time datetime="2026-12-07T10:00:00' in page and "First reply due" in page
    page = await (await client.get(f"/console/tickets/{late.id}")).text()
    assert "2026-12-07 10:50 UTC" in page


async def test_reply_with_a_canned_reply_goes_through_the_same_path_as_rest(
    aiohttp_client, db, project
):
    thanks = await canned_replies.create_reply(
        project, CannedReplyInput("thanks", "Thanks", "Thank you, {customer.first_name}!")
    )
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="help", first_name="Ann")
    )
    client, csrf = await _signed_in(aiohttp_client, db, project)
    page = await (await client.get(f"/console/tickets/{ticket.id}")).text()
    assert f'<option value="{thanks.id}">/thanks · Thanks</option>' in page
    posted = await client.post(
        f"/console/tickets/{ticket.id}/reply",
        data={"csrf": csrf, "action": "reply", "canned_reply_id": str(thanks.id), "text": "Bye"},
        allow_redirects=False,
    )
    assert posted.status == 303
    last = await Message.filter(ticket_id=ticket.id).order_by("-created_at").first()
    assert last is not None and last.text == "Thank you, Ann!\n\nBye"
    # another project's reply id is refused and nothing is sent
    count = await Message.filter(ticket_id=ticket.id).count()
    refused = await client.post(
        f"/console/tickets/{ticket.id}/reply",
        data={"csrf": csrf, "action": "reply",
              "canned_reply_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert refused.status == 404
    assert await Message.filter(ticket_id=ticket.id).count() == count
