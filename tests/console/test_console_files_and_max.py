"""Attachments streamed through the console from the Bot API (the token never reaches the
browser), and a console reply to a MAX customer queued for their MAX chat."""

from __future__ import annotations

import re
from typing import Any

from helpdesk.app import create_app
from models import OutboundMessage
from models.enums import Channel, MessageSource, TicketStatus
from services import console_auth, tickets
from services.notifications import CUSTOMER_TEXT
from tests.api.conftest import api_settings
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:SECRET-bot-token"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4 invoice"


async def _signed_in(client: Any, project: Any) -> str:
    issued = await console_auth.create_login_link(project.id)
    assert (await client.get(f"/console/login/{issued.token}", allow_redirects=False)).status == 303
    found = re.search(r'name="csrf" value="([^"]+)"', await (await client.get("/console")).text())
    assert found
    return found.group(1)


async def test_photo_inline_and_file_download_through_the_console(aiohttp_client, db, project):
    async with FakeTelegram() as tg:
        tg.add_file("photo_1", PNG, file_path="photos/file_1.png")
        tg.add_file("doc_1", PDF, file_path="documents/file_2.pdf")
        settings = api_settings(db, telegram_bot_token=TOKEN, telegram_api_base=tg.base_url)
        client = await aiohttp_client(create_app(settings, role="api"))
        ticket = await tickets.create_ticket(project, tickets.NewTicket(
            text="see attached", channel=Channel.TELEGRAM, chat_id=555, first_name="Ann",
            source=MessageSource.TELEGRAM,
            attachments=[{"kind": "photo", "file_id": "photo_1"},
                         {"kind": "document", "file_id": "doc_1", "name": "счёт.pdf"}],
        ))
        await _signed_in(client, project)
        page = await (await client.get(f"/console/tickets/{ticket.id}")).text()
        [photo_url] = re.findall(r'<img class="photo" src="([^"]+)"', page)
        [file_url] = re.findall(r'<a class="file" href="([^"]+)"', page)
        assert TOKEN not in page

        photo = await client.get(photo_url)
        assert photo.status == 200 and await photo.read() == PNG
        assert photo.headers["Content-Type"] == "image/png"
        assert photo.headers["Content-Disposition"].startswith("inline")
        document = await client.get(file_url)
        assert document.status == 200 and await document.read() == PDF
        assert document.headers["Content-Type"] == "application/octet-stream"
        assert "attachment" in document.headers["Content-Disposition"]
        assert "%D1%81%D1%87%D1%91%D1%82.pdf" in document.headers["Content-Disposition"]
        for response in (photo, document):
            assert TOKEN not in str(dict(response.headers))
        assert [c.params.get("file_id") for c in tg.calls_to("getFile")] == ["photo_1", "doc_1"]

        # a file Telegram no longer gives is a 404 page, never the Bot API's error text
        del tg.files["photo_1"]
        gone = await client.get(photo_url)
        assert gone.status == 404 and TOKEN not in await gone.text()
        # an index past the message's attachments is a 404 too
        assert (await client.get(photo_url.rsplit("/", 1)[0] + "/7")).status == 404


async def test_console_reply_to_a_max_customer_is_queued_for_their_max_chat(
    aiohttp_client, db, project
):
    client = await aiohttp_client(create_app(api_settings(db), role="api"))
    ticket = await tickets.create_ticket(project, tickets.NewTicket(
        text="Привет", channel=Channel.MAX, chat_id=9001, first_name="Ivan",
        source=MessageSource.MAX,
    ))
    csrf = await _signed_in(client, project)
    response = await client.post(
        f"/console/tickets/{ticket.id}/reply",
        data={"text": "Здравствуйте, уже смотрим", "action": "reply", "csrf": csrf},
        allow_redirects=False,
    )
    assert response.status == 303
    [queued] = await OutboundMessage.filter(ticket_id=ticket.id, kind=CUSTOMER_TEXT)
    assert queued.channel == "max" and queued.chat_id == 9001
    assert "Здравствуйте, уже смотрим" in str(queued.payload)
    page = await (await client.get(f"/console/tickets/{ticket.id}")).text()
    assert 'id="ticket-status">waiting' in page
    assert (await tickets.change_status(project, ticket.id, "closed")).status == TicketStatus.CLOSED
