"""The MAX customer bot end to end: real maxapi client, FakeMax, the same texts as Telegram."""

from __future__ import annotations

from models import HelpdeskRequest, Subscriber, Ticket
from models.enums import Channel, TicketStatus
from services import requests
from services.requests import BotLinks
from tests.test_max_env import CHAT, MaxEnv, menv_fixture, mx_fixture  # noqa: F401

LINKS = BotLinks(max="helpdesk_test_bot")


async def test_deep_link_consent_new_ticket_and_thread(menv: MaxEnv) -> None:
    created = await requests.create_request(menv.project, LINKS)
    assert (
        created["max_link"]
        == f"https://max.ru/helpdesk_test_bot?start=hdreq_{created['request_id']}"
    )
    await menv.start(f"hdreq_{created['request_id']}")
    assert "👋 Acme Support" in menv.text() and "We help with Acme" in menv.text()
    assert menv.labels() == ["✅ Subscribe", "Cancel"]

    await menv.click("✅ Subscribe")
    assert "🛟 Acme Support — helpdesk" in menv.text()
    status = await requests.request_status(menv.project, created["request_id"])
    assert status["status"] == "accepted" and status["channel"] == "max"
    sub = await Subscriber.get(project_id=menv.project.id, channel=Channel.MAX, chat_id=CHAT)
    assert sub.first_name == "Ann" and sub.language_code == "en"
    assert menv.labels() == ["📝 New ticket", "📂 My tickets (0)", "🔕 Unsubscribe"]

    await menv.click("📝 New ticket")
    assert menv.text().startswith("Describe the problem")
    await menv.say("My order is late\nOrder 1234")
    assert "Received 1 message." in menv.text()
    await menv.click("📨 Send")
    ticket = await Ticket.get(project_id=menv.project.id)
    assert ticket.subject == "My order is late" and ticket.channel == Channel.MAX
    assert ticket.customer_chat_id == CHAT
    assert "🎫 Ticket #1 · 🆕 new" in menv.text() and "Order 1234" in menv.text()
    assert menv.labels() == ["✅ Close ticket", "⬅️ Back"]

    await menv.say("One more thing")
    assert "One more thing" in menv.text()
    await menv.click("✅ Close ticket")
    assert menv.text() == "Close ticket #1? You can reopen it by writing in its thread."
    await menv.click("Yes, close it")
    assert "✅ closed" in menv.text() and "Write here to reopen it" in menv.text()
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    await menv.say("It is late again")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    assert "🔄 open" in menv.text()
    await menv.click("⬅️ Back")
    assert "You have 1 open ticket." in menv.text()
    assert await HelpdeskRequest.filter(status="accepted").count() == 1
