"""Both roles' bot contexts share one builder: what each starts, and the order things stop.

The bots role and the workers-only role build the same bot, dispatcher and FSM storage and
differ only in what runs inside (webhook/polling or nothing). These tests pin what each role
sets up and that teardown goes: dispatcher shutdown, storage (only when this process made
it), the bot's session last. Fakes stand in for the messenger clients: no network.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

from helpdesk.runtime import Bots

KEY: web.AppKey[Any] = web.AppKey("resources")


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def __call__(self, event: str) -> None:
        self.events.append(event)


class Fake:
    """A stand-in for a messenger client's object: it writes what is called on it."""

    def __init__(self, record: Recorder) -> None:
        self.record = record


def bot_settings(channel: str, token: str | None) -> SimpleNamespace:
    """Settings for one messenger ("telegram" or "max"), webhook mode, no username set."""
    return SimpleNamespace(
        **{
            f"{channel}_bot_token": token,
            f"{channel}_bot_username": None,
            f"{channel}_webhook_url": f"https://helpdesk.example/bot/{channel}/webhook",
            f"{channel}_webhook_secret": None,
        },
        default_locale="en",
    )


TELEGRAM = bot_settings("telegram", "123456:abc")
MAX = bot_settings("max", "max-token")


async def run_role(
    setup: Callable[[web.Application, web.AppKey[Any]], None],
    settings: SimpleNamespace,
    record: Recorder,
    **extras: Any,
) -> tuple[web.Application, SimpleNamespace]:
    """Mount a role's bot context on a fresh app, enter it, record "running", leave it."""
    app = web.Application()
    setup(app, KEY)
    res = SimpleNamespace(
        settings=settings,
        redis=None,
        extras=dict(extras),
        bots=Bots(),
        links=SimpleNamespace(telegram=None, max=None),
    )
    app[KEY] = res
    (ctx,) = app.cleanup_ctx
    running = ctx(app)
    assert isinstance(running, AbstractAsyncContextManager)
    async with running:
        record("running")
    return app, res


# --- Telegram ---------------------------------------------------------------------------


class FakeTelegramBot(Fake):
    id = 42

    def __init__(self, record: Recorder) -> None:
        super().__init__(record)
        self.session = SimpleNamespace(close=self._close)

    async def _close(self) -> None:
        self.record("session.close")

    async def get_me(self) -> Any:
        return SimpleNamespace(username="helpdesk_bot")

    async def set_webhook(self, url: str, **kwargs: Any) -> None:
        self.record("set_webhook")


class FakeTelegramDispatcher(Fake):
    async def emit_startup(self, **kwargs: Any) -> None:
        self.record("dp.startup")

    async def emit_shutdown(self, **kwargs: Any) -> None:
        self.record("dp.shutdown")

    def resolve_used_update_types(self) -> list[str]:
        return ["message"]


class FakeStorage(Fake):
    async def close(self) -> None:
        self.record("storage.close")


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    from bot.telegram import runtime

    record = Recorder()
    monkeypatch.setattr(runtime, "create_bot", lambda settings: FakeTelegramBot(record))
    monkeypatch.setattr(runtime, "create_storage", lambda redis: (FakeStorage(record), None))
    monkeypatch.setattr(
        runtime,
        "create_dispatcher",
        lambda settings, storage, isolation: (FakeTelegramDispatcher(record), "bg"),
    )
    return record


TELEGRAM_EXTRAS = {"telegram_dispatcher", "telegram_bg_factory"}


async def test_telegram_workers_only_starts_the_dispatcher_and_closes_in_order(
    telegram: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.telegram.runtime import setup_telegram_delivery

    _, res = await run_role(setup_telegram_delivery, TELEGRAM, telegram)
    assert telegram.events == [
        "dp.startup",
        "running",
        "dp.shutdown",
        "storage.close",
        "session.close",
    ]
    assert set(res.extras) == TELEGRAM_EXTRAS and res.bots.telegram is not None
    assert len(res.bots.delivery_setup) == 1
    assert res.links.telegram is None  # no getMe in a workers process
    assert "workers without REDIS_URL" in caplog.text


async def test_telegram_workers_only_leaves_a_shared_storage_open(
    telegram: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.telegram.runtime import EXTRA_FSM, setup_telegram_delivery

    shared = (FakeStorage(telegram), None)
    await run_role(setup_telegram_delivery, TELEGRAM, telegram, **{EXTRA_FSM: shared})
    assert telegram.events == ["dp.startup", "running", "dp.shutdown", "session.close"]
    assert "workers without REDIS_URL" not in caplog.text


async def test_telegram_bots_role_webhook_starts_then_closes_in_order(
    telegram: Recorder,
) -> None:
    from bot.telegram.runtime import WEBHOOK_HANDLER, setup_telegram

    app, res = await run_role(setup_telegram, TELEGRAM, telegram)
    assert telegram.events == [
        "dp.startup",
        "set_webhook",
        "running",
        "dp.shutdown",
        "storage.close",
        "session.close",
    ]
    assert set(res.extras) == TELEGRAM_EXTRAS and res.bots.telegram is not None
    assert len(res.bots.delivery_setup) == 1
    assert res.links.telegram == "helpdesk_bot"
    assert WEBHOOK_HANDLER not in app


async def test_telegram_without_a_token_builds_nothing(telegram: Recorder) -> None:
    from bot.telegram.runtime import setup_telegram, setup_telegram_delivery

    for setup in (setup_telegram, setup_telegram_delivery):
        _, res = await run_role(setup, bot_settings("telegram", None), telegram)
        assert res.extras == {} and res.bots == Bots()
    assert telegram.events == ["running", "running"]


# --- MAX --------------------------------------------------------------------------------


class FakeMaxBot(Fake):
    async def close_session(self) -> None:
        self.record("session.close")

    async def get_me(self) -> Any:
        return SimpleNamespace(username="helpdesk_max_bot")

    async def subscribe_webhook(self, **kwargs: Any) -> None:
        self.record("subscribe_webhook")


class FakeMaxDispatcher(Fake):
    async def startup(self, bot: Any) -> None:
        self.record("dp.startup")

    async def shutdown(self) -> None:
        self.record("dp.shutdown")


@pytest.fixture
def max_bot(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    from bot.max import runtime

    record = Recorder()
    monkeypatch.setattr(runtime, "create_bot", lambda settings: FakeMaxBot(record))
    monkeypatch.setattr(
        runtime, "create_dispatcher", lambda settings, redis: FakeMaxDispatcher(record)
    )
    return record


async def test_max_workers_only_builds_without_starting(max_bot: Recorder) -> None:
    from bot.max.runtime import setup_max_delivery

    _, res = await run_role(setup_max_delivery, MAX, max_bot)
    assert max_bot.events == ["running", "session.close"]
    assert set(res.extras) == {"max_dispatcher"} and res.bots.max is not None
    assert len(res.bots.delivery_setup) == 1
    assert res.links.max is None


async def test_max_bots_role_webhook_starts_then_closes_in_order(max_bot: Recorder) -> None:
    from bot.max.runtime import WEBHOOK_HANDLER, setup_max

    app, res = await run_role(setup_max, MAX, max_bot)
    assert max_bot.events == [
        "dp.startup",
        "subscribe_webhook",
        "running",
        "dp.shutdown",
        "session.close",
    ]
    assert set(res.extras) == {"max_dispatcher"} and res.bots.max is not None
    assert len(res.bots.delivery_setup) == 1
    assert res.links.max == "helpdesk_max_bot"
    assert WEBHOOK_HANDLER not in app
