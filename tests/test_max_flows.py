"""The MAX customer bot end to end: real maxapi client, FakeMax, the same texts as Telegram."""

from __future__ import annotations

from bot.max.payloads import Action
from bot.max.states import Screen
from models import HelpdeskRequest, Message, Subscriber, Ticket
from models.enums import Channel, TicketStatus
from services import catalog, clock, requests, tickets
from services.projects import create_project, update_project
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


async def test_deep_link_edge_cases(menv: MaxEnv, frozen_clock: clock.FrozenClock) -> None:
    # unknown, mangled and expired links: a clear notice, nothing subscribed
    await menv.start("hdreq_AAAAAAAAAAAAAAAA")
    assert menv.text() == "This link has expired. Open the support link from the website again."
    await menv.start("hdreq_not-an-id")
    assert menv.text().startswith("This link has expired.")
    old = await requests.create_request(menv.project, LINKS)
    frozen_clock.advance(minutes=16)
    await menv.start(f"hdreq_{old['request_id']}")
    assert menv.text().startswith("This link has expired.")
    assert await Subscriber.filter(channel=Channel.MAX).count() == 0

    # cancel: the website sees the request cancelled
    declined = await requests.create_request(menv.project, LINKS)
    await menv.start(f"hdreq_{declined['request_id']}")
    await menv.click("Cancel")
    assert menv.text() == "OK, nothing was shared. Come back any time with /start."
    status = await requests.request_status(menv.project, declined["request_id"])
    assert status["status"] == "cancelled"

    # subscribed once; a second link goes straight to the menu and is accepted
    first = await requests.create_request(menv.project, LINKS)
    await menv.start(f"hdreq_{first['request_id']}")
    await menv.click("✅ Subscribe")
    second = await requests.create_request(menv.project, LINKS)
    await menv.start(f"hdreq_{second['request_id']}")
    assert "🛟 Acme Support — helpdesk" in menv.text()
    status = await requests.request_status(menv.project, second["request_id"])
    assert status["status"] == "accepted" and status["channel"] == "max"

    # an accepted link opened again: said so, above the menu
    await menv.start(f"hdreq_{first['request_id']}")
    assert menv.text().startswith("ℹ️ This link was already used.")
    assert "🛟 Acme Support — helpdesk" in menv.text()


async def test_help_links_plain_start_and_menu_command(menv: MaxEnv) -> None:
    await menv.start("help_no-such-project")
    assert menv.text() == "This support link is not valid."
    await menv.start(f"help_{menv.project.slug}")
    assert menv.labels() == ["✅ Subscribe", "Cancel"]
    await menv.click("✅ Subscribe")
    await menv.say("/menu")
    assert "🛟 Acme Support — helpdesk" in menv.text()
    await menv.say("hello?")  # text in the menu: where /start leads
    assert "🛟 Acme Support — helpdesk" in menv.text()
    await menv.start()
    assert "🛟 Acme Support — helpdesk" in menv.text()


async def test_several_projects_pick_one(menv: MaxEnv) -> None:
    other, _ = await create_project(name="Beta Desk", description="Beta")
    for project in (menv.project, other):
        await menv.start(f"help_{project.slug}")
        await menv.click("✅ Subscribe")
    await menv.say("/start")
    assert menv.text().startswith("Choose a helpdesk:")
    assert menv.labels() == ["Acme Support", "Beta Desk"]
    await menv.click("Beta Desk")
    assert "🛟 Beta Desk — helpdesk" in menv.text()


async def test_preselected_type_then_picker(menv: MaxEnv) -> None:
    billing = await catalog.create_ticket_type(menv.project, name="Billing", description="Money")
    await catalog.create_ticket_type(menv.project, name="Delivery")
    link = await requests.create_request(menv.project, LINKS, ticket_type_id=billing.id)
    await menv.start(f"hdreq_{link['request_id']}")
    await menv.click("✅ Subscribe")
    await menv.click("📝 New ticket")  # the link's type: no picker for the first ticket
    assert menv.text().startswith("Describe the problem")
    await menv.say("Charged twice")
    await menv.click("📨 Send")
    ticket = await Ticket.get(project_id=menv.project.id).select_related("ticket_type")
    assert ticket.ticket_type is not None and ticket.ticket_type.name == "Billing"
    assert "Type: Billing" in menv.text()

    await menv.click("⬅️ Back")
    await menv.click("📝 New ticket")
    assert menv.text() == "What is your question about?\n\n• Billing: Money"
    assert menv.labels() == ["Billing", "Delivery", "⬅️ Back"]
    await menv.click("Delivery")
    await menv.say(None, attachments=[menv.mx.updates.image()])
    await menv.say("", attachments=[{"type": "sticker", "payload": {"url": "u", "code": "c"}}])
    assert "This kind of message cannot be added to a ticket" in menv.text()
    assert "Received 1 message with 1 file." in menv.text()
    await menv.click("📨 Send")
    second = await Ticket.get(project_id=menv.project.id, number=2).select_related("ticket_type")
    assert second.ticket_type is not None and second.ticket_type.name == "Delivery"
    assert second.subject is None
    assert "📎 photo" in menv.text()


async def test_my_tickets_pages_and_thread_back(menv: MaxEnv) -> None:
    await menv.start()
    await menv.click("✅ Subscribe")
    for n in range(7):
        await menv.click("📝 New ticket")
        await menv.say(f"Problem {n}")
        await menv.click("📨 Send")
        await menv.click("⬅️ Back")
    assert menv.labels()[1] == "📂 My tickets (7)"
    await menv.click("📂 My tickets (7)")
    assert menv.text().startswith("📂 Your tickets (page 1 of 2)")
    assert len(menv.labels()) == 5 + 2  # five rows, [Older], [Back]
    await menv.click("Older ▶️")
    assert menv.text().startswith("📂 Your tickets (page 2 of 2)")
    assert menv.labels()[-2:] == ["◀️ Newer", "⬅️ Back"]
    row = menv.labels()[0]
    await menv.click(row)
    assert "🎫 Ticket #" in menv.text()
    await menv.click("⬅️ Back")  # back where the customer came from: the list
    assert menv.text().startswith("📂 Your tickets")
    await menv.click("⬅️ Back")
    assert "You have 7 open tickets." in menv.text()


async def test_unsubscribe_and_come_back(menv: MaxEnv) -> None:
    await menv.start()
    await menv.click("✅ Subscribe")
    await menv.click("🔕 Unsubscribe")
    assert menv.text().startswith("Unsubscribe from Acme Support?")
    await menv.click("Yes, unsubscribe")
    assert menv.text() == "You unsubscribed from Acme Support. Send /start to come back."
    sub = await Subscriber.get(channel=Channel.MAX, chat_id=CHAT)
    assert sub.blocked
    await menv.say("/start")
    assert menv.labels() == ["✅ Subscribe", "Cancel"]
    await menv.click("✅ Subscribe")
    assert not (await Subscriber.get(id=sub.id)).blocked
    # stopping the bot in MAX unsubscribes too; pressing Start again asks for consent
    sent = len(menv.mx.sent_messages(CHAT))
    await menv.feed(menv.mx.updates.bot_stopped(CHAT, CHAT))
    assert (await Subscriber.get(id=sub.id)).blocked
    assert len(menv.mx.sent_messages(CHAT)) == sent  # nothing is sent to a stopped bot's chat
    await menv.start()
    assert menv.labels() == ["✅ Subscribe", "Cancel"]


async def test_stale_buttons_and_group_chats(menv: MaxEnv) -> None:
    await menv.start()
    await menv.click("✅ Subscribe")
    await menv.click("📂 My tickets (0)")
    await menv.press(Action.CLOSE)  # a button from a screen that is gone
    assert "🛟 Acme Support — helpdesk" in menv.text()
    # the state says thread, but the ticket is not this customer's: reset, not stuck
    await menv.dp.fsm.set_state(chat_id=CHAT, user_id=None, state=Screen.thread)
    await menv.press(Action.CLOSE)
    assert "🛟 Acme Support — helpdesk" in menv.text()
    # an open-ticket button for someone else's ticket
    await menv.press_raw("open_ticket:nonsense")
    assert menv.text().startswith("ℹ️ That ticket is not available in this chat.")
    # group chats are not the customer side
    before = len(menv.mx.sent_messages())
    await menv.feed(menv.mx.updates.message_created(-100, CHAT, "/start"))
    assert len(menv.mx.sent_messages()) == before


async def test_disabled_helpdesk_and_no_new_tickets(menv: MaxEnv) -> None:
    await menv.start()
    await menv.click("✅ Subscribe")
    await update_project(menv.project.id, helpdesk_allow_create=False)
    await menv.say("/menu")
    assert "New tickets cannot be opened here right now." in menv.text()
    assert "📝 New ticket" not in menv.labels()
    await update_project(menv.project.id, helpdesk_enabled=False)
    await menv.say("/menu")
    assert menv.text().startswith("The helpdesk of Acme Support is not available right now.")


async def test_russian_customer_gets_russian_texts(menv: MaxEnv) -> None:
    await menv.feed(menv.mx.updates.bot_started(CHAT, CHAT, None, user_locale="ru"))
    assert menv.labels() == ["✅ Подписаться", "Отмена"]


async def test_blocked_customer_is_marked_and_not_messaged(menv: MaxEnv) -> None:
    await menv.start()
    await menv.click("✅ Subscribe")
    await menv.click("📝 New ticket")
    await menv.say("Help")
    await menv.click("📨 Send")
    ticket = await Ticket.get(project_id=menv.project.id)
    menv.mx.block_chat(CHAT)
    await tickets.agent_reply(menv.project, ticket.id, "Are you there?")
    await menv.drain()
    assert (await Subscriber.get(channel=Channel.MAX, chat_id=CHAT)).blocked
    await tickets.agent_reply(menv.project, ticket.id, "Hello?")
    await menv.drain()
    assert not any("Hello?" in t for t in menv.mx.sent_texts(CHAT))


async def test_audio_and_video_are_kept_with_their_max_tokens(menv: MaxEnv) -> None:
    await menv.start()
    await menv.click("✅ Subscribe")
    await menv.click("📝 New ticket")
    video = {"type": "video", "token": "vid-1", "payload": {"url": "https://v.invalid/1"}}
    audio = {"type": "audio", "payload": {"url": "https://a.invalid/1", "token": "aud-1"}}
    await menv.say("Recording of the noise", attachments=[video, audio])
    await menv.click("📨 Send")
    message = await Message.get(ticket__project_id=menv.project.id)
    assert [(a["kind"], a["file_id"]) for a in message.attachments] == [
        ("video", "vid-1"),
        ("audio", "aud-1"),
    ]
    assert "📎 video, audio" in menv.text()
