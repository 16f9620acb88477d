"""Bots and workers as separate processes (the production layout), sharing the FSM storage.

Two apps in one test: `--role bots` takes the customer's updates, `--role workers` delivers
the agent's answer and re-sends the thread window below it from its own dialog registry.
With TEST_REDIS_URL both use Redis, as two processes do; without it they share one memory
storage object (the same code path, one process).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiohttp import web

from models import OutboundMessage, Ticket
from models.enums import DeliveryStatus, TicketStatus
from services import agent_chat, tickets
from tests.conftest import TEST_REDIS_URL
from tests.dialogs.conftest import make_settings
from tests.fakes.max import FakeMax
from tests.fakes.telegram import FakeTelegram
from tests.test_bot_e2e import PATH, SECRET
from tests.test_max_env import buttons_of
from tests.test_max_runtime import PATH as MAX_PATH
from tests.test_max_runtime import SECRET as MAX_SECRET

BOUND = 15.0


def find_button(tg: FakeTelegram, chat: int, pattern: str) -> tuple[int, str]:
    for message in reversed(tg.messages_in(chat)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == pattern:
                    return message["message_id"], button["callback_data"]
    raise AssertionError(f"no button {pattern!r} in {tg.sent_texts(chat)}")


def share_fsm(shared: tuple[Any, Any]) -> Any:
    """A cleanup context that hands the app the storage another app uses too."""
    from bot.telegram.runtime import EXTRA_FSM
    from helpdesk.app import RESOURCES

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[RESOURCES].extras[EXTRA_FSM] = shared
        yield

    return ctx


async def test_workers_process_re_sends_the_thread_window_the_bots_process_knows(
    aiohttp_client, db, project
) -> None:
    from helpdesk.app import RESOURCES, create_app

    # Redis may hold earlier runs' dialogs and seen update ids: a bot and a chat of our own
    chat = random.randint(10**6, 10**9)
    token = f"{random.randint(10**6, 10**9)}:ABC"
    async with FakeTelegram() as tg:
        common: dict[str, Any] = dict(
            database_url=db,
            redis_url=TEST_REDIS_URL,
            telegram_bot_token=token,
            telegram_api_base=tg.base_url,
        )
        bots_app = create_app(
            make_settings(
                **common,
                telegram_webhook_url="https://helpdesk.example" + PATH,
                telegram_webhook_secret=SECRET,
            ),
            role="bots",
        )
        workers_app = create_app(make_settings(**common), role="workers")
        if TEST_REDIS_URL is None:
            shared = (MemoryStorage(), SimpleEventIsolation())
            for app in (bots_app, workers_app):
                app.cleanup_ctx.insert(1, share_fsm(shared))  # right after the resources
        bots = await aiohttp_client(bots_app)

        async def post(update: dict[str, Any]) -> None:
            response = await bots.post(
                PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert response.status == 200

        async def say(text: str) -> None:
            await post(tg.updates.message(chat, chat, text, first_name="Ann"))

        async def click(pattern: str) -> None:
            message_id, data = find_button(tg, chat, pattern)
            await post(tg.updates.callback(chat, chat, data, message_id=message_id))

        # the project's agents work in a forum group
        group = -1000000000 - random.randint(1, 10**6)
        tg.add_chat(group, is_forum=True)
        code = await agent_chat.create_binding_code(project.id)
        await agent_chat.bind_chat(code.code, group, is_forum=True)

        # the customer opens a ticket through the bots process
        await say(f"/start help_{project.slug}")
        await click("✅ Subscribe")
        await click("📝 New ticket")
        await say("My order is late")
        await click("📨 Send")
        ticket = await Ticket.get(project_id=project.id)
        window_before, _ = find_button(tg, chat, "✅ Close ticket")

        # the workers process (no polling, no webhook) delivers the agent's answer
        workers = await aiohttp_client(workers_app)
        assert "telegram_dispatcher" in workers.app[RESOURCES].extras
        assert tg.calls_to("getUpdates") == [] and len(tg.calls_to("setWebhook")) == 1
        await tickets.agent_reply(project, ticket.id, "It ships tomorrow")

        async def delivered_and_redrawn() -> bool:
            rows = await OutboundMessage.filter(chat_id=chat, status=DeliveryStatus.DELIVERED)
            texts = tg.sent_texts(chat)
            replies = [i for i, t in enumerate(texts) if "It ships tomorrow" in t]
            return (
                bool(rows)
                and bool(replies)
                and any(
                    "Ticket #1" in t and "It ships tomorrow" in t for t in texts[replies[0] + 1 :]
                )
            )

        for _ in range(int(BOUND * 20)):
            if await delivered_and_redrawn():
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"no window below the answer: {tg.sent_texts(chat)}")
        # a new message below the answer (the customer is notified), sent by the workers
        window_after, _ = find_button(tg, chat, "✅ Close ticket")
        assert window_after > window_before
        # and the agent chat kinds are the workers' too: the ticket got its topic and card
        await tg.wait_until(lambda: bool(tg.topics.get(group)), timeout=BOUND)
        ticket = await Ticket.get(id=ticket.id)
        assert ticket.agent_chat_id == group and ticket.agent_topic_id in tg.topics[group]
        # the rows that follow the topic (card, the answer relayed into it) go out too
        for _ in range(int(BOUND * 20)):
            if await OutboundMessage.filter(status=DeliveryStatus.PENDING).count() == 0:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("agent-chat rows left pending by the workers")

        # the bots process takes the click on the window the workers sent: it knows it
        tg.reset_calls()
        await click("✅ Close ticket")
        await click("Yes, close it")
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
        assert not any("Something went wrong" in t for t in tg.sent_texts(chat))
        await workers.close()
        await bots.close()


async def test_workers_process_re_shows_the_max_thread_the_bots_process_knows(
    aiohttp_client, db, project
) -> None:
    """The same for MAX: the workers' dispatcher reads and saves the customer's screen in
    the storage the bots process uses (Redis; in memory, the bots app's own storage)."""
    from helpdesk.app import RESOURCES, create_app

    chat = random.randint(10**6, 10**9)
    async with FakeMax() as mx:
        common: dict[str, Any] = dict(
            database_url=db,
            redis_url=TEST_REDIS_URL,
            max_bot_token="max-test-token",
            max_api_base=mx.base_url,
        )
        bots = await aiohttp_client(
            create_app(
                make_settings(
                    **common,
                    max_webhook_url="https://helpdesk.example" + MAX_PATH,
                    max_webhook_secret=MAX_SECRET,
                ),
                role="bots",
            )
        )

        async def post(update: dict[str, Any]) -> None:
            headers = {"X-Max-Bot-Api-Secret": MAX_SECRET}
            assert (await bots.post(MAX_PATH, json=update, headers=headers)).status == 200

        def newest_with(label: str) -> tuple[dict[str, Any], dict[str, Any]]:
            for message in reversed(mx.messages_in(chat)):
                for button in buttons_of(message):
                    if button["text"] == label:
                        return message, button
            raise AssertionError(f"no button {label!r} in {mx.messages_in(chat)}")

        async def click(label: str) -> None:
            message, button = newest_with(label)
            mid = message["body"]["mid"]
            await post(mx.updates.message_callback(chat, chat, button["payload"], mid=mid))

        await post(mx.updates.bot_started(chat, chat, f"help_{project.slug}", first_name="Ann"))
        await click("✅ Subscribe")
        await click("📝 New ticket")
        await post(mx.updates.message_created(chat, chat, "My order is late", None))
        await click("📨 Send")
        ticket = await Ticket.get(project_id=project.id)
        before, _ = newest_with("✅ Close ticket")

        workers_app = create_app(make_settings(**common), role="workers")
        if TEST_REDIS_URL is None:  # one process: the workers read the bots app's memory

            async def share(app: web.Application) -> AsyncIterator[None]:
                mine, theirs = (a[RESOURCES].extras["max_dispatcher"] for a in (app, bots.app))
                mine.contexts = theirs.contexts  # the memory contexts, per chat
                yield

            workers_app.cleanup_ctx.append(share)  # after the MAX context built the dispatcher
        workers = await aiohttp_client(workers_app)
        assert mx.subscriptions and len(mx.subscriptions) == 1  # only the bots subscribed
        await tickets.agent_reply(project, ticket.id, "It ships tomorrow")

        def redrawn() -> bool:
            texts = [(m.get("body") or {}).get("text") or "" for m in mx.messages_in(chat)]
            replies = [i for i, t in enumerate(texts) if t.startswith("💬") or "Reply" in t]
            return bool(replies) and any(
                "Ticket #1" in t and "It ships tomorrow" in t for t in texts[replies[-1] + 1 :]
            )

        await mx.wait_until(redrawn, timeout=BOUND)
        after, _ = newest_with("✅ Close ticket")
        assert after["body"]["mid"] != before["body"]["mid"]  # a new message below the answer

        await click("✅ Close ticket")
        await click("Yes, close it")
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
        await workers.close()
        await bots.close()
