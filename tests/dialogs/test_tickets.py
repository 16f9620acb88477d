"""Ticket paths: type picker, new ticket with media, thread, close/reopen, my tickets."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator

from models import Message as TicketMessage
from models import OutboxEvent, Ticket
from models.enums import Author, Channel, MessageSource, TicketStatus
from services import catalog, tickets
from tests.dialogs.conftest import CHAT_ID


@pytest.fixture
async def subscribed(customer, project):
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    return customer


async def test_type_picker_lists_active_types_in_order(subscribed, project):
    await catalog.create_ticket_type(project, name="Shipping", position=2)
    billing = await catalog.create_ticket_type(project, name="Billing", position=1)
    hidden = await catalog.create_ticket_type(project, name="Old", position=0)
    await catalog.update_ticket_type(hidden.id, active=False)
    await subscribed.click("📝 New ticket")
    assert "What is your question about?" in subscribed.text()
    assert subscribed.buttons() == ["Billing", "Shipping", "⬅️ Back"]
    await subscribed.click("Billing")
    await subscribed.send("Charged twice\nOn March 3")
    await subscribed.click("📨 Send")
    ticket = await Ticket.get(subscriber__chat_id=CHAT_ID)
    assert ticket.ticket_type_id == billing.id
    assert ticket.subject == "Charged twice"
    assert "Ticket #1" in subscribed.text() and "Type: Billing" in subscribed.text()


async def test_type_picker_back_returns_to_menu(subscribed, project):
    await catalog.create_ticket_type(project, name="Billing")
    await subscribed.click("📝 New ticket")
    await subscribed.click("⬅️ Back")
    assert "Acme Support — helpdesk" in subscribed.text()


async def test_no_types_skips_picker_and_media_become_one_ticket(subscribed, project):
    await subscribed.click("📝 New ticket")
    assert "Describe the problem" in subscribed.text()
    assert subscribed.buttons() == ["Cancel"]  # nothing to send yet
    await subscribed.send("The app crashes\nwhen I open settings")
    await subscribed.send_photo(caption="screenshot")
    await subscribed.send_document("crash.log")
    await subscribed.send_voice()
    assert "Received 4 messages with 3 files" in subscribed.text()
    await subscribed.click("📨 Send")

    ticket = await Ticket.get(subscriber__chat_id=CHAT_ID)
    assert ticket.channel == Channel.TELEGRAM and ticket.customer_chat_id == CHAT_ID
    assert ticket.subject == "The app crashes"
    first = await TicketMessage.get(ticket_id=ticket.id)
    assert first.source == MessageSource.TELEGRAM
    assert first.text == "The app crashes\nwhen I open settings\n\nscreenshot"
    assert [a["kind"] for a in first.attachments] == ["photo", "document", "voice"]
    assert first.attachments[0]["file_id"].startswith("big")  # the largest size
    assert first.attachments[1]["name"] == "crash.log"
    text = subscribed.text()
    assert "Ticket #1" in text and "🆕 new" in text and "📎 photo, file, voice message" in text
    assert subscribed.buttons() == ["✅ Close ticket", "⬅️ Back"]
    events = await OutboxEvent.filter(ticket_id=ticket.id).values_list("event", flat=True)
    assert events == ["ticket.created"]


async def test_album_is_one_ticket_and_one_window(subscribed, project, monkeypatch):
    from dialogs import new_ticket

    monkeypatch.setattr(new_ticket, "ALBUM_SETTLE_SECONDS", 0.05)
    await subscribed.click("📝 New ticket")
    subscribed.mm.reset_history()
    for _ in range(3):
        await subscribed.send_photo(caption=None, media_group_id="album1")
    assert subscribed.mm.sent_messages == []
    for _ in range(200):  # the redraw is a background dialog update
        if subscribed.mm.sent_messages:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # and nothing more comes
    # one window below the album, counting all of it (the mock records no keyboard removal
    # for a new message; the e2e test checks the Bot API calls)
    [window] = subscribed.mm.sent_messages
    assert "Received 3 messages with 3 files" in (window.text or "")
    await subscribed.click("📨 Send")
    assert await Ticket.all().count() == 1
    first = await TicketMessage.get()
    assert len(first.attachments) == 3 and first.text == ""


async def test_unsupported_content_is_refused(subscribed, project):
    from aiogram.types import Location

    await subscribed.click("📝 New ticket")
    await subscribed.send_message(location=Location(latitude=1.0, longitude=2.0))
    assert "cannot be added" in subscribed.text()
    assert await Ticket.all().count() == 0


async def test_too_long_text_shows_error(subscribed, project):
    await subscribed.click("📝 New ticket")
    await subscribed.send("x" * 4001)
    await subscribed.click("📨 Send")
    assert "too long" in subscribed.text()
    assert await Ticket.all().count() == 0


async def test_new_ticket_cancel(subscribed, project):
    await subscribed.click("📝 New ticket")
    await subscribed.send("never mind")
    await subscribed.click("Cancel")
    assert "Acme Support — helpdesk" in subscribed.text()
    assert await Ticket.all().count() == 0


async def open_new_ticket(customer, text: str = "Help me") -> Ticket:
    await customer.click("📝 New ticket")
    await customer.send(text)
    await customer.click("📨 Send")
    ticket = await Ticket.filter(subscriber__chat_id=CHAT_ID).order_by("-number").first()
    assert ticket is not None, "no ticket was created"
    return ticket


async def test_thread_write_close_with_confirmation_and_reopen(subscribed, project):
    ticket = await open_new_ticket(subscribed)
    await tickets.agent_reply(project, ticket.id, "Try restarting")
    await tickets.agent_reply(project, ticket.id, "secret note", internal=True)
    await subscribed.send("Restarted, still broken")
    text = subscribed.text()
    assert "Try restarting" in text and "Restarted, still broken" in text
    assert "secret note" not in text
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.IN_PROGRESS
    replied = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").all()
    assert [e.payload["data"]["author"] for e in replied] == ["agent", "customer"]
    # the status changed (waiting → in progress): the window came again, with no receipt
    assert subscribed.mm.sent_messages and subscribed.bot.reactions == []
    window = subscribed.last()

    # a message that changes nothing in the window: stored, a 👌 receipt, no new window
    await subscribed.send("One more detail")
    assert subscribed.mm.sent_messages == []
    assert subscribed.bot.reactions == [(subscribed.client.last_message_id, "👌")]
    assert await TicketMessage.filter(ticket_id=ticket.id, text="One more detail").exists()
    assert subscribed.last() is window and "Write here to add to the ticket" in window.text

    await subscribed.click("✅ Close ticket")
    assert "Close ticket #1?" in subscribed.text()
    await subscribed.click("No, keep it open")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.IN_PROGRESS
    await subscribed.click("✅ Close ticket")
    await subscribed.click("Yes, close it")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    assert "✅ closed" in subscribed.text() and "Write here to reopen it" in subscribed.text()
    assert subscribed.buttons() == ["⬅️ Back"]

    await subscribed.send("It broke again")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    assert "🔄 open" in subscribed.text() and "It broke again" in subscribed.text()
    assert subscribed.buttons() == ["✅ Close ticket", "⬅️ Back"]
    assert len(subscribed.bot.reactions) == 1  # reopening showed the window instead
    await subscribed.click("⬅️ Back")
    assert "You have 1 open ticket." in subscribed.text()
    assert "📂 My tickets (1)" in subscribed.buttons()


async def test_thread_receipts_album_errors_and_a_refused_reaction(subscribed, project):
    from aiogram.types import Location

    ticket = await open_new_ticket(subscribed)
    # an album in the thread: every part stored, one receipt on its first part, no window
    parts = []
    for caption in (None, None, "all three"):
        parts.append(await subscribed.send_photo(caption=caption, media_group_id="a1"))
        assert subscribed.mm.sent_messages == []
    assert await TicketMessage.filter(ticket_id=ticket.id).count() == 4
    assert subscribed.bot.reactions == [(parts[0].message_id, "👌")]

    # content that cannot be stored: the window comes again with the error ...
    await subscribed.send_message(location=Location(latitude=1.0, longitude=2.0))
    assert "cannot be added" in subscribed.text()
    # ... and the next stored message redraws it without the error (no receipt then)
    await subscribed.send("ok, text then")
    assert "cannot be added" not in subscribed.text() and "ok, text then" in subscribed.text()
    assert len(subscribed.bot.reactions) == 1
    await subscribed.send("and more")
    assert subscribed.mm.sent_messages == [] and len(subscribed.bot.reactions) == 2

    # Telegram refusing the reaction loses nothing and breaks nothing
    subscribed.bot.refuse = True
    await subscribed.send("still stored")
    assert await TicketMessage.filter(ticket_id=ticket.id, text="still stored").exists()
    assert subscribed.mm.sent_messages == [] and len(subscribed.bot.reactions) == 2
    subscribed.bot.refuse = False
    await subscribed.send("and after")
    assert len(subscribed.bot.reactions) == 3


async def test_long_history_fits_in_one_telegram_message(subscribed, project):
    ticket = await open_new_ticket(subscribed, "first message")
    for i in range(15):
        await tickets.agent_reply(project, ticket.id, f"answer {i} " + "y" * 900)
    await subscribed.send("latest question")
    text = subscribed.text()
    assert len(text) <= 4096
    assert "latest question" in text and "answer 14" in text
    assert text.count("first message") == 1  # only as the subject in the header
    assert "earlier messages" in text


async def test_my_tickets_paged_active_first(subscribed, project):
    for i in range(7):
        await open_new_ticket(subscribed, f"problem {i}")
        await subscribed.click("⬅️ Back")
    first = await Ticket.get(number=1)
    await tickets.change_status(project, first.id, "closed")
    await subscribed.send("/menu")
    await subscribed.click("📂 My tickets \\(6\\)")
    assert "page 1 of 2" in subscribed.text()
    rows = [b for b in subscribed.buttons() if b.startswith("#")]
    assert [r.split(" · ")[0] for r in rows] == ["#7", "#6", "#5", "#4", "#3"]
    await subscribed.click("Older ▶️")
    rows = [b for b in subscribed.buttons() if b.startswith("#")]
    assert [r.split(" · ")[0] for r in rows] == ["#2", "#1"]
    assert "✅ closed" in rows[1]
    await subscribed.click("#1 .*")
    assert "Ticket #1" in subscribed.text() and "problem 0" in subscribed.text()
    await subscribed.click("⬅️ Back")
    assert "page 2 of 2" in subscribed.text()
    await subscribed.click("◀️ Newer")
    assert "page 1 of 2" in subscribed.text()


async def test_my_tickets_empty(subscribed, project):
    await subscribed.click("📂 My tickets \\(0\\)")
    assert "no tickets yet" in subscribed.text()


async def test_open_ticket_button_opens_thread(subscribed, project):
    ticket = await tickets.create_ticket(
        project,
        tickets.NewTicket(text="From the website", channel=Channel.TELEGRAM, chat_id=CHAT_ID),
    )
    notification = Message(
        message_id=999,
        date=subscribed.last().date,
        chat=subscribed.client.chat,
        text="Ticket #1 created",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Open", callback_data=f"open_ticket:{ticket.id}")]
            ]
        ),
    )
    subscribed.mm.reset_history()
    await subscribed.client.click(notification, InlineButtonTextLocator("Open"))
    assert "Ticket #1" in subscribed.text() and "From the website" in subscribed.text()
    await subscribed.click("⬅️ Back")
    assert "Acme Support — helpdesk" in subscribed.text()


async def test_open_ticket_button_of_someone_else(subscribed, project):
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="not yours", channel=Channel.TELEGRAM, chat_id=777)
    )
    button = InlineKeyboardButton(text="Open", callback_data=f"open_ticket:{ticket.id}")
    message = subscribed.last().model_copy(
        update={"reply_markup": InlineKeyboardMarkup(inline_keyboard=[[button]])}
    )
    subscribed.mm.reset_history()
    await subscribed.client.click(message, InlineButtonTextLocator("Open"))
    assert "not available in this chat" in subscribed.text()


async def test_stale_button_returns_to_menu(subscribed, project):
    old_menu = subscribed.last()
    await subscribed.send("/start")  # resets the stack: the old menu's intent is gone
    await subscribed.click("📝 New ticket", message=old_menu)
    assert "Acme Support — helpdesk" in subscribed.text()


async def test_stray_text_outside_dialogs_shows_menu(customer, project):
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    await customer.click("🔕 Unsubscribe")
    await customer.click("Yes, unsubscribe")
    await customer.send("hello?")  # the notice window takes no input
    assert customer.buttons() == ["✅ Subscribe", "Cancel"]


async def test_callback_data_fits_telegram_limit(subscribed, project):
    for name in ("A", "B"):
        await catalog.create_ticket_type(project, name=name)
    await subscribed.click("📝 New ticket")
    markup = subscribed.last().reply_markup
    assert markup is not None
    for row in markup.inline_keyboard:
        for button in row:
            assert len(button.callback_data.encode()) <= 64


async def test_agent_message_author_rendering(subscribed, project):
    ticket = await open_new_ticket(subscribed, "hi")
    await tickets.agent_reply(project, ticket.id, "hello from support")
    await subscribed.send("thanks")
    messages = await TicketMessage.filter(ticket_id=ticket.id).order_by("created_at")
    assert [m.author for m in messages] == [Author.CUSTOMER, Author.AGENT, Author.CUSTOMER]
    assert "💬 Support" in subscribed.text() and "👤 You" in subscribed.text()
