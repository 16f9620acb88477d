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
        assert "max_bot" in resources.extras

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
    assert "max_bot" not in client.app[RESOURCES].extras
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
