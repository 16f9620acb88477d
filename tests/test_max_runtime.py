"""The MAX bot inside the app: webhook mode (secret checked), long polling, REST → MAX, and the
FSM storage across a restart."""

from __future__ import annotations

import random
from typing import Any

from redis.asyncio import Redis

from bot.max.factory import FSM_PREFIX, create_dispatcher
from models import Ticket
from tests.conftest import TEST_REDIS_URL
from tests.dialogs.conftest import make_settings
from tests.fakes.max import FakeMax, feed_max_update
from tests.test_max_env import buttons_of

PATH = "/bot/max/webhook"
SECRET = "max-hook-secret"
CHAT = 5151


def settings_for(mx: FakeMax, db: str, **extra: Any) -> Any:
    return make_settings(
        database_url=db, max_bot_token="max-test-token", max_api_base=mx.base_url, **extra
    )


def last_message(mx: FakeMax, chat: int = CHAT) -> dict[str, Any]:
    messages = mx.messages_in(chat)
    assert messages, mx._describe_calls()
    return messages[-1]


async def test_webhook_mode_checks_the_secret_and_rest_tickets_reach_max(
    db: str, project_with_key: tuple[Any, str], aiohttp_client: Any
) -> None:
    from helpdesk.app import RESOURCES, create_app

    project, key = project_with_key
    async with FakeMax() as mx:
        url = "https://helpdesk.example" + PATH
        settings = settings_for(mx, db, max_webhook_url=url, max_webhook_secret=SECRET)
        client = await aiohttp_client(create_app(settings, role="all"))
        resources = client.app[RESOURCES]
        assert [s["url"] for s in mx.subscriptions] == [url]
        assert resources.links.max == "helpdesk_test_bot"  # learned from GET /me
        assert resources.bots.max is not None

        update = mx.updates.bot_started(CHAT, CHAT, f"help_{project.slug}")
        for headers in ({}, {"X-Max-Bot-Api-Secret": "wrong"}):
            response = await client.post(PATH, json=update, headers=headers)
            assert response.status == 403
        assert mx.messages_in(CHAT) == []
        response = await client.post(PATH, json=update, headers={"X-Max-Bot-Api-Secret": SECRET})
        assert response.status == 200
        assert "Subscribe to get help" in last_message(mx)["body"]["text"]

        # a website opens a ticket for this MAX chat; the running MAX sender notifies it
        response = await client.post(
            "/v1/helpdesk/tickets",
            json={"text": "Your parcel is held", "channel": "max", "chat_id": CHAT},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status == 201, await response.text()
        await mx.wait_until(lambda: "#1" in (last_message(mx)["body"]["text"] or ""))
        notice = last_message(mx)
        [open_button] = buttons_of(notice)
        press = mx.updates.message_callback(
            CHAT, CHAT, open_button["payload"], mid=notice["body"]["mid"]
        )
        headers = {"X-Max-Bot-Api-Secret": SECRET}
        assert (await client.post(PATH, json=press, headers=headers)).status == 200
        text = last_message(mx)["body"]["text"]
        assert "🎫 Ticket #1" in text and "Your parcel is held" in text
        ticket = await Ticket.get(project_id=project.id)
        assert ticket.customer_chat_id == CHAT
        metrics = await (await client.get("/metrics")).text()
        handled = [
            line for line in metrics.splitlines()
            if line.startswith("helpdesk_updates_total{") and 'channel="max"' in line
            and 'result="handled"' in line
        ]
        assert handled and float(handled[0].rsplit(" ", 1)[1]) == 2  # start + button press
        await client.close()  # workers stop while the database and FakeMax are still up


async def test_polling_mode_answers_and_stops_cleanly(
    aiohttp_client: Any, db: str, project
) -> None:
    from helpdesk.app import create_app

    async with FakeMax() as mx:
        client = await aiohttp_client(create_app(settings_for(mx, db), role="bots"))
        assert (await client.post(PATH, json={})).status == 404  # no webhook in polling mode
        mx.push_update(mx.updates.bot_started(CHAT, CHAT, f"help_{project.slug}"))
        await mx.wait_until(lambda: bool(mx.messages_in(CHAT)))
        assert "Subscribe to get help" in last_message(mx)["body"]["text"]
        await client.close()
        assert mx.subscriptions == []


async def test_no_token_no_bot(aiohttp_client: Any, db: str) -> None:
    from helpdesk.app import RESOURCES, create_app

    client = await aiohttp_client(create_app(make_settings(database_url=db), role="bots"))
    assert client.app[RESOURCES].bots.max is None
    assert (await client.post(PATH, json={})).status == 404


async def test_the_screen_survives_a_restart_with_redis(db: str, project) -> None:
    """Redis (TEST_REDIS_URL) keeps the customer's screen across processes; in memory a new
    process starts over at the menu — both without a dead end."""
    redis = Redis.from_url(TEST_REDIS_URL) if TEST_REDIS_URL else None
    chat = random.randint(10**6, 10**7)
    try:
        async with FakeMax() as mx:
            bot = mx.make_bot()
            settings = settings_for(mx, db)
            dp = create_dispatcher(settings, redis)
            await feed_max_update(dp, bot, mx.updates.bot_started(chat, chat))
            for _ in ("✅ Subscribe", "📝 New ticket"):  # the first button of each screen
                shown = last_message(mx, chat)
                press = mx.updates.message_callback(
                    chat, chat, buttons_of(shown)[0]["payload"], mid=shown["body"]["mid"]
                )
                await feed_max_update(dp, bot, press)
            await dp.shutdown()

            restarted = create_dispatcher(settings, redis)
            await feed_max_update(restarted, bot, mx.updates.message_created(chat, chat, "Hi"))
            text = last_message(mx, chat)["body"]["text"]
            if redis is not None:
                assert "Received 1 message." in text
            else:
                assert "— helpdesk" in text
            await restarted.shutdown()
    finally:
        if redis is not None:
            keys = await redis.keys(f"{FSM_PREFIX}:{chat}:*")
            if keys:
                await redis.delete(*keys)
            await redis.aclose()


async def test_webhook_redelivery_is_handled_once(
    db: str, project, aiohttp_client: Any, monkeypatch: Any
) -> None:
    """MAX redelivers an update it got no 200 for (or sends one twice): each is handled once,
    also when the copy reaches another bots process (Redis, with TEST_REDIS_URL). An update
    whose handling failed is let through again."""
    from helpdesk.app import create_app

    chat = random.randint(10**6, 10**9)  # Redis keeps earlier runs' update identities
    async with FakeMax() as mx:
        url = "https://helpdesk.example" + PATH
        settings = settings_for(
            mx, db, max_webhook_url=url, max_webhook_secret=SECRET, redis_url=TEST_REDIS_URL
        )
        first = await aiohttp_client(create_app(settings, role="bots"))
        # a second process behind the load balancer shares the identities through Redis
        second = (
            await aiohttp_client(create_app(settings, role="bots")) if TEST_REDIS_URL else first
        )
        headers = {"X-Max-Bot-Api-Secret": SECRET}

        async def post(client: Any, update: dict[str, Any]) -> None:
            assert (await client.post(PATH, json=update, headers=headers)).status == 200

        start = mx.updates.bot_started(chat, chat, f"help_{project.slug}", first_name="Ann")
        await post(first, start)
        await post(second, start)
        assert len(mx.messages_in(chat)) == 1  # one consent screen

        consent = last_message(mx, chat)
        subscribe = buttons_of(consent)[0]
        press = mx.updates.message_callback(
            chat, chat, subscribe["payload"], mid=consent["body"]["mid"]
        )
        await post(second, press)
        await post(first, press)
        assert len(mx.calls_to("POST /answers")) == 1  # the press was answered once

        await post(first, mx.updates.bot_started(chat, chat, None, first_name="Ann"))
        menus = len(mx.messages_in(chat))
        say = mx.updates.message_created(chat, chat, "/menu", None)
        await post(first, say)
        await post(second, say)
        assert len(mx.messages_in(chat)) == menus + 1

        # handling fails (500): the redelivery is handled
        from maxapi import Dispatcher

        real = Dispatcher.handle
        failures = [RuntimeError("database down")]

        async def flaky(self: Any, event: Any) -> Any:
            if failures:
                raise failures.pop()
            return await real(self, event)

        monkeypatch.setattr(Dispatcher, "handle", flaky)
        again = mx.updates.message_created(chat, chat, "/menu", None)
        assert (await first.post(PATH, json=again, headers=headers)).status == 500
        assert len(mx.messages_in(chat)) == menus + 1
        await post(second, again)
        assert len(mx.messages_in(chat)) == menus + 2

        metrics = await (await first.get("/metrics")).text()
        duplicates = [
            line for line in metrics.splitlines()
            if line.startswith("helpdesk_updates_total{") and 'channel="max"' in line
            and 'result="duplicate"' in line
        ]
        counted = float(duplicates[0].rsplit(" ", 1)[1]) if duplicates else 0.0
        assert counted == (1 if TEST_REDIS_URL else 3)  # each app counts what it dropped
        if second is not first:
            await second.close()
        await first.close()


def test_update_identity_is_stable_per_update_and_distinct_between_updates() -> None:
    from bot.max.seen import update_identity
    from tests.fakes.max import MaxUpdateFactory

    updates = MaxUpdateFactory()
    created = updates.message_created(CHAT, CHAT, "hi", None)
    # the same update, its keys in another order (a redelivery re-serialised)
    assert update_identity(dict(reversed(list(created.items())))) == update_identity(created)
    mid = created["message"]["body"]["mid"]
    edits = [updates.message_edited(CHAT, CHAT, text, mid) for text in ("a", "b")]
    keys = {update_identity(u) for u in [created, *edits]}
    assert len(keys) == 3  # one message, edited twice: three updates
    presses = [updates.message_callback(CHAT, CHAT, "x", mid=mid) for _ in range(2)]
    assert update_identity(presses[0]) != update_identity(presses[1])
