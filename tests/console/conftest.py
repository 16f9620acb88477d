"""Browser tests drive Debian's chromium through Playwright (its own browser download is not
available here). Without chromium they are deselected and the run ends with ONE line saying
they did not run and how to enable them — never counted as passed; with REQUIRE_BROWSER=1
(.ci/run) a missing browser fails them instead."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_NOT_RUN = pytest.StashKey[tuple[int, str]]()


def playwright_installed() -> bool:
    try:
        return importlib.util.find_spec("playwright") is not None
    except ImportError:
        return False


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not playwright_installed():
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    return None


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: a console journey in a real browser (chromium)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Without Playwright the browser module cannot even be imported: not collected, and
    said so at the end like deselected tests (with REQUIRE_BROWSER=1 the import fails)."""
    if collection_path.name != "test_console_browser.py" or browser_required():
        return None
    if not playwright_installed():
        config.stash[_NOT_RUN] = (0, "the playwright package is not installed")
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    missing = browser_missing()
    if not browser_items or missing is None or browser_required():
        return
    config.hook.pytest_deselected(items=browser_items)
    items[:] = [item for item in items if not item.get_closest_marker("browser")]
    config.stash[_NOT_RUN] = (len(browser_items), missing)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _NOT_RUN in config.stash:
        count, why = config.stash[_NOT_RUN]
        which = f"{count} deselected" if count else "test_console_browser.py not collected"
        terminalreporter.write_line(
            f"CONSOLE BROWSER TESTS NOT RUN: {which} because {why}; "
            "install chromium (apt-get install -y chromium) and run with REQUIRE_BROWSER=1 "
            "to require them",
            yellow=True,
            bold=True,
        )


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    missing = browser_missing()
    if missing is not None:  # only reached with REQUIRE_BROWSER=1
        pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class LiveDesk:
    """The whole product on a real port (role all: API, console, the Telegram bot in webhook
    mode against FakeTelegram, the delivery workers) and a browser to use it."""

    client: Any
    tg: Any
    project: Any
    browser: Any

    @property
    def base(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    async def link(self, **kw: Any) -> str:
        from services import console_auth

        issued = await console_auth.create_login_link(self.project.id, **kw)
        return issued.url(self.base)

    async def signed_in_page(self, *, locale: str = "en-US", **kw: Any) -> Any:
        context = await self.browser.new_context(locale=locale)
        page = await context.new_page()
        response = await page.goto(await self.link(**kw))
        assert response is not None and response.status == 200 and page.url.endswith("/console")
        return page


WEBHOOK_PATH = "/bot/telegram/webhook"
WEBHOOK_SECRET = "s3cret-token"


@pytest.fixture
async def desk(db: str, project: Any, browser: Any) -> AsyncIterator[LiveDesk]:
    from aiohttp.test_utils import TestClient, TestServer

    from helpdesk.app import create_app
    from tests.conftest import TEST_REDIS_URL
    from tests.dialogs.conftest import make_settings
    from tests.fakes.telegram import FakeTelegram

    async with FakeTelegram() as tg:
        settings = make_settings(
            database_url=db,
            redis_url=TEST_REDIS_URL,
            telegram_bot_token="123456:ABC",
            telegram_api_base=tg.base_url,
            telegram_webhook_url="https://helpdesk.example" + WEBHOOK_PATH,
            telegram_webhook_secret=WEBHOOK_SECRET,
        )
        # stopped here, before the database closes (its workers give claimed rows back)
        client = TestClient(TestServer(create_app(settings, role="all")))
        await client.start_server()
        try:
            yield LiveDesk(client, tg, project, browser)
        finally:
            await client.close()


# what a test of this folder must not inherit from earlier ones on a shared Redis: sign-in
# counts per client address (127.0.0.1 for every test), and — FakeTelegram numbering its
# updates from 1 and chats alike — the Telegram updates already handled and the chats'
# dialog state
_PER_TEST_KEYS = ("hd:rl:console-login*", "hd:tg:update:*", "fsm:*")


@pytest.fixture(autouse=True)
async def fresh_redis_keys() -> AsyncIterator[None]:
    from tests.conftest import TEST_REDIS_URL

    if TEST_REDIS_URL:
        from redis.asyncio import Redis

        redis = Redis.from_url(TEST_REDIS_URL)
        try:
            for pattern in _PER_TEST_KEYS:
                keys = [key async for key in redis.scan_iter(match=pattern)]
                if keys:
                    await redis.delete(*keys)
        finally:
            await redis.aclose()
    yield
