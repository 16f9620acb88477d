"""Bot updates under faults, through the real SDKs against the fake messengers: a retryable
failure (SQLite "database is locked", Redis not answering) never drops an update — polling
tries the handler again, a webhook answers 503 for the messenger to redeliver — and an update
delivered twice (MAX long polling returning it again) is handled once."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import redis.exceptions
from tortoise.exceptions import IntegrityError, OperationalError

from models import Message, Ticket
from services import customer_entry
from services.outages import is_retryable
from tests.dialogs.conftest import make_settings
from tests.fakes.max import FakeMax
from tests.fakes.telegram import FakeTelegram
from tests.test_max_env import buttons_of

TG_CHAT = 7301
TG_PATH = "/bot/telegram/webhook"
SECRET = "s3cret-token"


def locked() -> OperationalError:
    """What Tortoise raises when SQLite's busy timeout ran out."""
    return OperationalError(sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (locked(), True),
        (sqlite3.OperationalError("database is locked"), True),
        (redis.exceptions.TimeoutError("Timeout reading from socket"), True),
        (redis.exceptions.ConnectionError("Connection refused"), True),
        (OperationalError(sqlite3.OperationalError("no such table: x")), False),
        (IntegrityError("UNIQUE constraint failed"), False),
        (RuntimeError("a bug"), False),
        (ConnectionRefusedError(111, "a messenger API down"), False),  # may have sent already
    ],
)
def test_the_retryable_rule(error: BaseException, retryable: bool) -> None:
    assert is_retryable(error) is retryable
    try:  # wrapped by a handler's own error: still the same answer
        raise RuntimeError("handler failed") from error
    except RuntimeError as wrapped:
        assert is_retryable(wrapped) is retryable


def fail_once(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> list[int]:
    """`target.name` raises "database is locked" on its first call; returns the call count."""
    real = getattr(target, name)
    calls: list[int] = []

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise locked()
        return await real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)
    return calls


def consents(tg: FakeTelegram) -> list[str]:
    return [t for t in tg.sent_texts(TG_CHAT) if "Subscribe" in t or "subscribe" in t]


async def test_telegram_polling_retries_an_update_the_database_was_locked_for(
    aiohttp_client: Any, db: str, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpdesk.app import create_app

    calls = fail_once(monkeypatch, customer_entry, "route_deep_link")
    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db, telegram_bot_token="123456:ABC", telegram_api_base=tg.base_url
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        start = tg.updates.message(TG_CHAT, TG_CHAT, f"/start help_{project.slug}")
        tg.push_update(start)
        await tg.wait_until(lambda: bool(tg.successful_sends(TG_CHAT)), timeout=10)
        await client.close()
        assert len(calls) == 2  # failed once, handled on the second attempt
        assert len(tg.successful_sends(TG_CHAT)) == 1, tg.sent_texts(TG_CHAT)  # shown once


async def test_telegram_webhook_answers_503_for_a_locked_database_then_takes_the_redelivery(
    aiohttp_client: Any, db: str, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpdesk.app import create_app

    calls = fail_once(monkeypatch, customer_entry, "route_deep_link")
    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db,
            telegram_bot_token="123456:ABC",
            telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + TG_PATH,
            telegram_webhook_secret=SECRET,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        start = tg.updates.message(TG_CHAT, TG_CHAT, f"/start help_{project.slug}")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await client.post(TG_PATH, json=start, headers=headers)
        assert response.status == 503  # not marked handled: Telegram sends it again
        assert tg.successful_sends(TG_CHAT) == []
        assert (await client.post(TG_PATH, json=start, headers=headers)).status == 200
        assert (await client.post(TG_PATH, json=start, headers=headers)).status == 200  # dup
        await client.close()
        assert len(calls) == 2
        assert len(tg.successful_sends(TG_CHAT)) == 1, tg.sent_texts(TG_CHAT)


def answered_at_least(mx: FakeMax, count: int) -> Callable[[], bool]:
    return lambda: len(mx.calls_to("POST /answers")) >= count


async def test_max_long_polling_handles_a_redelivered_message_once(
    aiohttp_client: Any, db: str, project: Any
) -> None:
    from helpdesk.app import create_app

    chat = random.randint(10**6, 10**7)
    async with FakeMax() as mx:
        settings = make_settings(
            database_url=db, max_bot_token="max-test-token", max_api_base=mx.base_url
        )
        client = await aiohttp_client(create_app(settings, role="bots"))

        mx.push_update(mx.updates.bot_started(chat, chat, f"help_{project.slug}"))
        await mx.wait_until(lambda: bool(mx.messages_in(chat)), timeout=10)
        screen = mx.messages_in(chat)[-1]
        for answered in (1, 2):  # ✅ Subscribe, then 📝 New ticket: the first button of each
            press = mx.updates.message_callback(
                chat, chat, buttons_of(screen)[0]["payload"], mid=screen["body"]["mid"]
            )
            mx.push_update(press)
            await mx.wait_until(answered_at_least(mx, answered))
            screen = mx.messages_in(chat)[-1]
        hello = mx.updates.message_created(chat, chat, "Where is my parcel?")
        mx.push_update(hello)
        mx.push_update(hello)  # GET /updates returns the same update (same mid) again
        await mx.wait_until(lambda: not mx.pending_updates, timeout=10)
        marker = mx.updates.message_created(chat, chat, "and one more")
        mx.push_update(marker)
        await mx.wait_until(lambda: not mx.pending_updates, timeout=10)

        def draft_screen() -> dict[str, Any] | None:
            for message in reversed(mx.messages_in(chat)):
                if "Received" in (message["body"]["text"] or ""):
                    return message
            return None

        await mx.wait_until(lambda: draft_screen() is not None, timeout=10)
        await asyncio.sleep(0.3)  # the last update's screen
        draft = draft_screen()
        assert draft is not None
        [send] = [b for b in buttons_of(draft) if "Send" in b["text"]]
        mx.push_update(
            mx.updates.message_callback(chat, chat, send["payload"], mid=draft["body"]["mid"])
        )
        for _ in range(100):
            ticket = await Ticket.get_or_none(project_id=project.id, customer_chat_id=chat)
            if ticket is not None:
                break
            await asyncio.sleep(0.05)
        assert ticket is not None, mx._describe_calls()
        texts = [m.text for m in await Message.filter(ticket_id=ticket.id)]
        await client.close()
        # the draft's messages become the ticket's first message: the copy is not in it
        assert "\n".join(texts).count("Where is my parcel?") == 1, texts
        assert "and one more" in texts[-1]


async def test_max_retries_a_locked_database_in_polling_and_answers_503_by_webhook(
    aiohttp_client: Any, db: str, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """maxapi's dispatcher swallows every error (our error handler resets the screen): a
    retryable one still reaches the guard, so the update is not counted as done."""
    from helpdesk.app import create_app

    calls = fail_once(monkeypatch, customer_entry, "route_deep_link")
    chat = random.randint(10**6, 10**7)
    async with FakeMax() as mx:
        settings = make_settings(
            database_url=db, max_bot_token="max-test-token", max_api_base=mx.base_url
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        mx.push_update(mx.updates.bot_started(chat, chat, f"help_{project.slug}"))
        await mx.wait_until(lambda: bool(mx.messages_in(chat)), timeout=10)
        await asyncio.sleep(0.2)
        await client.close()
        assert len(calls) == 2
        assert len(mx.sent_messages(chat)) == 1  # the consent screen, once; no reset screen

    calls.clear()
    path = "/bot/max/webhook"
    async with FakeMax() as mx:
        settings = make_settings(
            database_url=db, max_bot_token="max-test-token", max_api_base=mx.base_url,
            max_webhook_url="https://helpdesk.example" + path,
        )
        client = await aiohttp_client(create_app(settings, role="bots"))
        start = mx.updates.bot_started(chat + 1, chat + 1, f"help_{project.slug}")
        assert (await client.post(path, json=start)).status == 503
        assert mx.sent_messages(chat + 1) == []
        assert (await client.post(path, json=start)).status == 200
        assert (await client.post(path, json=start)).status == 200  # the copy: ignored
        await client.close()
        assert len(calls) == 2
        assert len(mx.sent_messages(chat + 1)) == 1
