"""Subscriber messages and broadcasts end to end: the real aiogram / maxapi clients against
the fake Bot API and the fake MAX server — subscribe links, buttons, clicks, a blocked chat,
a 429, and a broadcast paced by the moved clock."""

from __future__ import annotations

from typing import Any

from models import Notification, OutboxEvent, Subscriber
from models.enums import Channel, SubscriberStatus
from services import broadcast_pacer, broadcasts, messages, subscriber_api, subscribers
from services.requests import BotLinks
from tests.dialogs.conftest import make_settings
from tests.fakes.telegram import FakeTelegram
from tests.test_bot_e2e import CHAT, PATH, SECRET, Chat, last_text
from tests.test_max_env import CHAT as MAX_CHAT
from tests.test_max_env import MaxEnv, buttons_of, menv_fixture, mx_fixture  # noqa: F401

LINKS = BotLinks(telegram="helpdesk_test_bot", max="helpdesk_test_bot")
BUTTONS = [[{"text": "Track", "url": "https://example.com/t/1"},
            {"text": "👍 Thanks", "callback": "thanks:order-1"}]]


async def event_data(name: str) -> list[dict[str, Any]]:
    rows = await OutboxEvent.filter(event=name).order_by("seq")
    return [r.payload["data"] for r in rows]


async def test_telegram_subscribe_link_message_buttons_and_click(aiohttp_client, db, project):
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
        chat = Chat(client, tg)
        link = await subscriber_api.subscribe_link(project, resources.links, ["news", "vip"])
        assert link["telegram_link"].endswith(f"?start=sub_{link['link_id']}")

        await chat.say(f"/start sub_{link['link_id']}")
        assert "Acme Support" in last_text(tg)  # the project's consent screen
        await chat.click("✅ Subscribe")
        assert "You are subscribed to Acme Support" in last_text(tg)  # no helpdesk menu
        sub = await Subscriber.get(project_id=project.id, channel=Channel.TELEGRAM, chat_id=CHAT)
        assert sub.tags == ["news", "vip"] and sub.status == SubscriberStatus.ACTIVE
        # an existing subscriber opening another link gets its tags added, no consent again
        other = await subscriber_api.subscribe_link(project, resources.links, ["promo"])
        await chat.say(f"/start sub_{other['link_id']}")
        assert "You are subscribed to Acme Support" in last_text(tg)
        assert (await Subscriber.get(id=sub.id)).tags == ["news", "vip", "promo"]

        queued = await messages.send_message(project, sub.id, "Your order shipped", BUTTONS)
        delivery = create_delivery(
            settings, telegram_bot=resources.bots.telegram, setup=resources.bots.delivery_setup
        )
        assert await delivery.senders["telegram"].run_once() == 1
        [sent] = [c for c in tg.successful_sends(CHAT) if c.text == "Your order shipped"]
        [[url, callback]] = sent.params["reply_markup"]["inline_keyboard"]
        assert url == {"text": "Track", "url": "https://example.com/t/1"}
        assert len(callback["callback_data"].encode()) <= 64
        notification = await Notification.get(id=queued["id"])
        assert notification.status == "sent" and notification.sent_at is not None
        [delivered] = await event_data("delivery.sent")
        assert delivered["id"] == queued["id"] and delivered["broadcast_id"] is None

        await chat.click("👍 Thanks")
        [clicked] = await event_data("button.clicked")
        assert clicked == {"message_id": queued["id"], "subscriber_id": str(sub.id),
                           "callback": "thanks:order-1", "broadcast_id": None}
        assert tg.calls_to("answerCallbackQuery")  # the press is acknowledged
        # a forged reference (another message id) is ignored, and still acknowledged
        answered = len(tg.calls_to("answerCallbackQuery"))
        update = tg.updates.callback(CHAT, CHAT, "nt:" + "0" * 32 + ":00", message_id=1)
        assert await chat.post(update) == 200
        assert len(await event_data("button.clicked")) == 1
        assert len(tg.calls_to("answerCallbackQuery")) == answered + 1


async def test_telegram_blocked_chat_and_429(project, frozen_clock):
    from delivery import telegram as tg_delivery
    from delivery.limits import MemoryLimiter
    from delivery.sender import MessengerSender

    async with FakeTelegram() as tg:
        sender = MessengerSender(
            tg_delivery.TelegramPlatform(30), tg.make_bot(), MemoryLimiter()
        )
        tg_delivery.setup(sender)
        ok = await subscribers.ensure_subscriber(project.id, Channel.TELEGRAM, 501)
        gone = await subscribers.ensure_subscriber(project.id, Channel.TELEGRAM, 502)
        tg.block_chat(502)
        tg.fail_next("sendMessage", 429, retry_after=3, chat_id=501)
        first = await messages.send_message(project, ok.id, "hello", None)
        second = await messages.send_message(project, gone.id, "hello", None)
        await sender.run_once()
        assert (await Notification.get(id=first["id"])).status == "queued"  # backing off
        blocked = await Notification.get(id=second["id"])
        assert blocked.status == "blocked" and "blocked" in (blocked.error or "")
        assert (await Subscriber.get(id=gone.id)).status == SubscriberStatus.BLOCKED
        failed = await event_data("delivery.failed")
        assert [f["id"] for f in failed] == [second["id"]]
        cancelled = await event_data("subscription.cancelled")
        assert [c["reason"] for c in cancelled] == ["blocked"]
        frozen_clock.advance(seconds=4)
        await sender.run_once()
        assert (await Notification.get(id=first["id"])).status == "sent"
        assert tg.sent_texts(501) == ["hello"]


async def test_max_subscribe_link_message_click_and_broadcast(menv: MaxEnv, frozen_clock):
    link = await subscriber_api.subscribe_link(menv.project, LINKS, ["news"])
    await menv.start(f"sub_{link['link_id']}")
    assert "👋 Acme Support" in menv.text()
    await menv.click("✅ Subscribe")
    assert menv.text() == "✅ You are subscribed to Acme Support."
    sub = await Subscriber.get(project_id=menv.project.id, channel=Channel.MAX, chat_id=MAX_CHAT)
    assert sub.tags == ["news"]

    queued = await messages.send_message(menv.project, sub.id, "Parcel is out", BUTTONS)
    await menv.drain()
    assert menv.text() == "Parcel is out"
    kinds = [(b["type"], b["text"]) for b in buttons_of(menv.screen())]
    assert kinds == [("link", "Track"), ("callback", "👍 Thanks")]
    answers = len(menv.mx.calls_to("POST /answers"))
    await menv.click("👍 Thanks")
    [clicked] = await event_data("button.clicked")
    assert clicked["message_id"] == queued["id"] and clicked["callback"] == "thanks:order-1"
    assert len(menv.mx.calls_to("POST /answers")) == answers + 1  # acknowledged
    assert (await Notification.get(id=queued["id"])).status == "sent"

    # a broadcast to the tag: four more MAX subscribers, one of them blocked, one 429
    for chat in (601, 602, 603, 604):
        await subscribers.ensure_subscriber(menv.project.id, Channel.MAX, chat, ["news"])
    menv.mx.block_chat(603)
    menv.mx.fail_next("POST /messages", 429, chat_id=604)
    created = await broadcasts.create_broadcast(
        menv.project, text="Big sale", tags_all=["news"], messages_per_minute=60
    )
    assert created["audience"] == 5 and created["state"] == "sending"
    ceiling = 1800.0
    for _ in range(12):  # 60/min: one recipient a second of the moved clock
        await broadcast_pacer.tick(frozen_clock.now(), ceiling)
        await menv.drain()
        frozen_clock.advance(seconds=1)
    state = await broadcasts.get_broadcast(menv.project, created["id"])
    assert {k: state[k] for k in ("state", "sent", "failed", "blocked")} == {
        "state": "done", "sent": 4, "failed": 0, "blocked": 1}
    assert all(menv.mx.sent_texts(c)[-1:] == ["Big sale"] for c in (MAX_CHAT, 601, 602, 604))
    assert menv.mx.sent_texts(603) == []
    [completed] = await event_data("broadcast.completed")
    assert completed["id"] == created["id"] and completed["finished_at"] is not None


async def test_max_unsubscribe_and_stop_show_in_the_api(menv: MaxEnv):
    from services import requests as helpdesk_requests

    created = await helpdesk_requests.create_request(menv.project, LINKS)
    await menv.start(f"hdreq_{created['request_id']}")
    await menv.click("✅ Subscribe")
    await menv.click("🔕 Unsubscribe")
    await menv.click("Yes, unsubscribe")
    sub = await Subscriber.get(project_id=menv.project.id, chat_id=MAX_CHAT)
    view = await subscriber_api.get_subscriber(menv.project, sub.id)
    assert view["status"] == "unsubscribed" and view["unsubscribed_at"] is not None
    assert [e["reason"] for e in await event_data("subscription.cancelled")] == ["unsubscribed"]

    await menv.start()  # back: a plain start offers consent again
    await menv.click("✅ Subscribe")
    assert (await Subscriber.get(id=sub.id)).status == SubscriberStatus.ACTIVE
    await menv.feed(menv.mx.updates.bot_stopped(MAX_CHAT, MAX_CHAT))
    view = await subscriber_api.get_subscriber(menv.project, sub.id)
    assert view["status"] == "blocked" and view["blocked"] is True
    reasons = [e["reason"] for e in await event_data("subscription.cancelled")]
    assert reasons == ["unsubscribed", "blocked"]
