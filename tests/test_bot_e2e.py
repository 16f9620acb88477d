"""End to end: the real aiogram Bot against FakeTelegram, updates through the webhook route."""

from __future__ import annotations

import re
from typing import Any

from models import OutboxEvent, Ticket
from models.enums import TicketStatus
from services import requests, tickets
from tests.dialogs.conftest import make_settings
from tests.fakes.telegram import FakeTelegram

CHAT = 7001
SECRET = "s3cret-token"
PATH = "/bot/telegram/webhook"


def find_button(tg: FakeTelegram, pattern: str) -> tuple[int, str]:
    """(message_id, callback_data) of the newest bot message with a matching button."""
    for message in reversed(tg.messages_in(CHAT)):
        markup = message.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if re.fullmatch(pattern, button["text"]):
                    return message["message_id"], button["callback_data"]
    raise AssertionError(f"no button {pattern!r} in {tg.sent_texts(CHAT)}")


def last_text(tg: FakeTelegram) -> str:
    """The newest text the bot showed in the chat (sent or edited)."""
    for call in reversed(tg.calls):
        if call.ok and call.chat_id == CHAT and call.text:
            return call.text
    return ""


class Chat:
    def __init__(self, client: Any, tg: FakeTelegram) -> None:
        self.client = client
        self.tg = tg

    async def post(self, update: dict[str, Any], secret: str = SECRET) -> int:
        response = await self.client.post(
            PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )
        return response.status

    async def say(self, text: str) -> dict[str, Any]:
        update = self.tg.updates.message(CHAT, CHAT, text, first_name="Ann", username="ann")
        assert await self.post(update) == 200
        return update

    async def click(self, pattern: str) -> None:
        message_id, data = find_button(self.tg, pattern)
        update = self.tg.updates.callback(CHAT, CHAT, data, message_id=message_id)
        assert await self.post(update) == 200


async def test_deep_link_to_ticket_reply_and_customer_answer(aiohttp_client, db, project):
    from helpdesk.app import RESOURCES, create_app
    from helpdesk.workers import create_delivery

    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db,
            telegram_bot_token="123456:ABC",
            telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + PATH,
            telegram_webhook_secret=SECRET,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        resources = client.app[RESOURCES]
        assert tg.calls_to("setWebhook") or tg.calls_to("setwebhook")
        chat = Chat(client, tg)

        # the website asks for a link; the bot's username came from getMe
        created = await requests.create_request(project, resources.links)
        assert created["telegram_link"].startswith("https://t.me/helpdesk_test_bot?start=hdreq_")
        request_id = created["request_id"]

        assert await chat.post(tg.updates.message(CHAT, CHAT, "/start"), secret="wrong") == 401
        await chat.say(f"/start hdreq_{request_id}")
        assert "Acme Support" in last_text(tg)
        await chat.click("✅ Subscribe")
        assert "Acme Support — helpdesk" in last_text(tg)
        status = await requests.request_status(project, request_id)
        assert status["status"] == "accepted" and status["channel"] == "telegram"

        await chat.click("📝 New ticket")
        await chat.say("My order is late\nOrder 1234")
        await chat.click("📨 Send")
        ticket = await Ticket.get(project_id=project.id)
        assert ticket.subject == "My order is late" and ticket.customer_chat_id == CHAT
        assert "Ticket #1" in last_text(tg)

        # an agent answers through the use case the REST API calls; delivery sends it
        await tickets.agent_reply(project, ticket.id, "It ships tomorrow")
        delivery = create_delivery(
            settings,
            telegram_bot=resources.bots.telegram,
            setup=resources.bots.delivery_setup,
        )
        sender = delivery.senders["telegram"]
        assert await sender.run_once() >= 1
        texts = tg.sent_texts(CHAT)
        reply_at = next(i for i, t in enumerate(texts) if "It ships tomorrow" in t)
        assert "Reply to ticket #1" in texts[reply_at]
        # the thread window is sent again below the reply (a new message, not an edit)
        assert any("Ticket #1" in t and "It ships tomorrow" in t for t in texts[reply_at + 1 :])

        # the customer's next message is stored and fires ticket.replied
        update = await chat.say("Thanks, and the invoice?")
        replied = await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").all()
        authors = [e.payload["data"]["author"] for e in replied]
        assert authors == ["agent", "customer"]
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.IN_PROGRESS
        # its status changed (waiting → in progress): the window is sent below it
        assert "Thanks, and the invoice?" in last_text(tg)

        # Telegram redelivering the same update changes nothing
        assert await chat.post(update) == 200
        assert await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").count() == 2

        # a message that changes nothing in the window: stored, and a 👌 on it, no window
        sends = len(tg.sent_texts(CHAT))
        update = await chat.say("Invoice number is 77")
        [reaction] = tg.calls_to("setMessageReaction")
        assert reaction.params["chat_id"] == CHAT
        assert reaction.params["message_id"] == update["message"]["message_id"]
        assert "👌" in str(reaction.params["reaction"])
        assert len(tg.sent_texts(CHAT)) == sends
        assert await OutboxEvent.filter(ticket_id=ticket.id, event="ticket.replied").count() == 3


async def test_webhook_route_is_404_in_polling_mode_and_no_token_means_no_bot(aiohttp_client, db):
    from helpdesk.app import RESOURCES, create_app

    client = await aiohttp_client(create_app(make_settings(database_url=db), role="bots"))
    assert client.app[RESOURCES].bots.telegram is None
    response = await client.post(PATH, json={"update_id": 1})
    assert response.status == 404


async def test_polling_mode_answers_updates_and_stops_cleanly(aiohttp_client, db, project):
    from helpdesk.app import create_app

    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db, telegram_bot_token="123456:ABC", telegram_api_base=tg.base_url
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        tg.push_update(tg.updates.message(CHAT, CHAT, f"/start help_{project.slug}"))
        await tg.wait_for(lambda call: call.method.lower() == "sendmessage", timeout=10)
        assert "Subscribe to get help from Acme Support" in last_text(tg)
        await client.close()


async def test_an_album_shows_the_new_ticket_window_once(aiohttp_client, db, project, monkeypatch):
    """Telegram sends an album as one update per photo: the window is not re-sent (or
    edited) per photo, but shown once below the album, counting all of it."""
    import asyncio

    from dialogs import new_ticket
    from helpdesk.app import create_app

    monkeypatch.setattr(new_ticket, "ALBUM_SETTLE_SECONDS", 0.1)
    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db,
            telegram_bot_token="123456:ABC",
            telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + PATH,
            telegram_webhook_secret=SECRET,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        chat = Chat(client, tg)
        await chat.say(f"/start help_{project.slug}")
        await chat.click("✅ Subscribe")
        await chat.click("📝 New ticket")
        window_id, _ = find_button(tg, "Cancel")
        tg.reset_calls()
        for n in range(3):
            update = tg.updates.message(
                CHAT, CHAT, None, photo=f"AgACalbum{n}", media_group_id="album7"
            )
            assert await chat.post(update) == 200
        assert [c.method for c in tg.calls if c.chat_id == CHAT] == []  # nothing per photo
        await tg.wait_for(lambda call: call.method.lower() == "sendmessage", timeout=5)
        await asyncio.sleep(0.3)  # and nothing after it
        calls = [(c.method.lower(), c.ok) for c in tg.calls if c.chat_id == CHAT]
        # the old window's buttons removed, one new window below the album
        assert calls == [("editmessagereplymarkup", True), ("sendmessage", True)]
        assert tg.calls_to("editMessageReplyMarkup")[0].params["message_id"] == window_id
        assert "Received 3 messages with 3 files" in last_text(tg)
        await chat.click("📨 Send")
        from models import Message

        ticket = await Ticket.get(project_id=project.id)
        first = await Message.filter(ticket_id=ticket.id).first()
        assert first is not None and len(first.attachments) == 3


async def test_the_product_bot_session_answers_keyboard_strips_without_parsing_them():
    """`create_bot`'s session: editMessageReplyMarkup succeeds as True (aiogram-dialog never
    reads it), its failures still raise as aiogram's do; other answers are parsed as usual;
    requests go as JSON bodies, uploads as multipart forms."""
    import pytest
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

    from bot.telegram.factory import create_bot

    async with FakeTelegram() as tg:
        bot = create_bot(
            make_settings(telegram_bot_token="123456:ABC", telegram_api_base=tg.base_url)
        )
        try:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Ок ✓", callback_data="x")]]
            )
            sent = await bot.send_message(CHAT, "Привет", reply_markup=markup)
            assert sent.text == "Привет" and sent.reply_markup is not None  # orjson both ways
            assert sent.reply_markup.inline_keyboard[0][0].text == "Ок ✓"
            assert await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)
            stripped = tg.message(CHAT, sent.message_id)
            assert stripped is not None and stripped.get("reply_markup") in (None, {})
            with pytest.raises(TelegramBadRequest):
                await bot.edit_message_reply_markup(chat_id=CHAT, message_id=999_999)
            # calls go as JSON bodies; an upload keeps aiogram's multipart form
            await bot.send_photo(CHAT, BufferedInputFile(b"\x89PNG...", "p.png"), caption="ü")
            kinds = {c.method.lower(): c.content_type for c in tg.calls}
            assert kinds["sendmessage"] == "application/json"
            assert kinds["editmessagereplymarkup"] == "application/json"
            assert kinds["sendphoto"] == "multipart/form-data"
            assert tg.calls[-1].params["caption"] == "ü"
        finally:
            await bot.session.close()
