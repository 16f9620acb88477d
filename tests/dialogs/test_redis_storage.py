"""The production storage: dialogs survive in Redis (TEST_REDIS_URL), memory otherwise."""

from __future__ import annotations

from aiogram_dialog.test_tools import MockMessageManager
from redis.asyncio import Redis

from bot.telegram.factory import create_dispatcher, create_storage
from tests.conftest import TEST_REDIS_URL
from tests.dialogs.conftest import Customer, make_settings, new_user


async def test_flow_over_the_configured_storage_survives_a_new_dispatcher(db, project):
    redis = Redis.from_url(TEST_REDIS_URL) if TEST_REDIS_URL else None
    storage, isolation = create_storage(redis)
    try:
        mm = MockMessageManager()
        dp, _ = create_dispatcher(make_settings(), storage, isolation, message_manager=mm)
        customer = Customer(dp, mm, new_user(user_id=880_000 + project.ticket_counter))
        await customer.send(f"/start help_{project.slug}")
        await customer.click("✅ Subscribe")
        menu = customer.last()
        # a restarted process: new dispatcher, same storage; the old menu's buttons still work
        dp2, _ = create_dispatcher(make_settings(), storage, isolation, message_manager=mm)
        customer.dp = customer.client.dp = dp2
        await customer.click("📝 New ticket", message=menu)
        assert "Describe the problem" in customer.text()
    finally:
        await storage.close()
