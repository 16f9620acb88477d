"""Background workers of the `workers` role: webhook delivery and one sender per bot.

Wiring for bot modules: they add their kinds/hooks in a setup function taking a `Delivery`,

    def setup_delivery(delivery: Delivery) -> None:
        sender = delivery.senders.get("telegram")
        if sender is not None:
            sender.register("agent_event", send_agent_event)
            sender.on_topic_error(repair_topic)
            sender.on_sent("customer_text", rerender_thread)

and the composition root passes them: `create_delivery(settings, ..., setup=[setup_delivery])`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from redis.asyncio import Redis

from delivery.limits import MemoryLimiter, RateLimiter, RedisLimiter
from delivery.sender import MessengerSender
from delivery.webhooks import WebhookWorker
from helpdesk.housekeeping import Housekeeper
from helpdesk.settings import Settings

if TYPE_CHECKING:
    from helpdesk.metrics import Metrics


class Worker(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass
class Delivery:
    webhooks: WebhookWorker
    senders: dict[str, MessengerSender] = field(default_factory=dict)

    @property
    def workers(self) -> list[Worker]:
        return [self.webhooks, *self.senders.values()]


def _telegram_bot(settings: Settings) -> Any:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    assert settings.telegram_bot_token is not None
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else None
    )
    return Bot(settings.telegram_bot_token.get_secret_value(), session=session)


def _max_bot(settings: Settings) -> Any:
    from maxapi import Bot

    assert settings.max_bot_token is not None
    bot = Bot(settings.max_bot_token.get_secret_value(), auto_requests=False)
    if settings.max_api_base:
        bot.set_api_url(settings.max_api_base)
    return bot


def create_delivery(
    settings: Settings,
    *,
    redis: Redis | None = None,
    telegram_bot: Any = None,
    max_bot: Any = None,
    setup: Iterable[Callable[[Delivery], None]] = (),
    metrics: Metrics | None = None,
) -> Delivery:
    """Build the webhook worker and a sender per configured bot (a bot object passed in is
    used as is; otherwise one is made from the token; no token, no sender)."""
    # several processes share the platform's limits only through Redis
    shared: RateLimiter = RedisLimiter(redis) if redis is not None else MemoryLimiter()
    lease = timedelta(seconds=settings.outbox_lease_seconds)

    def limiter(channel: str) -> RateLimiter:
        return metrics.counting_limiter(shared, channel) if metrics is not None else shared

    delivery = Delivery(
        webhooks=WebhookWorker(
            allow_private_networks=settings.webhook_allow_private_networks, lease=lease
        )
    )
    close_telegram = None
    if telegram_bot is None and settings.telegram_bot_token is not None:
        telegram_bot = _telegram_bot(settings)
        close_telegram = telegram_bot.session.close  # ours to close; a passed-in bot is not
    if telegram_bot is not None:
        from delivery import telegram as telegram_delivery  # aiogram: only with a Telegram bot

        key = f"tg{getattr(telegram_bot, 'id', '')}"
        sender = MessengerSender(
            telegram_delivery.TelegramPlatform(settings.telegram_rate_per_second, key),
            telegram_bot,
            limiter(telegram_delivery.CHANNEL),
            lease=lease,
            on_close=close_telegram,
        )
        telegram_delivery.setup(sender)
        delivery.senders[telegram_delivery.CHANNEL] = sender
    close_max = None
    if max_bot is None and settings.max_bot_token is not None:
        max_bot = _max_bot(settings)
        close_max = max_bot.close_session
    if max_bot is not None:
        from delivery import max as max_delivery  # maxapi: only with a MAX bot

        sender = MessengerSender(
            max_delivery.MaxPlatform(settings.max_rate_per_second),
            max_bot,
            limiter(max_delivery.CHANNEL),
            lease=lease,
            on_close=close_max,
        )
        max_delivery.setup(sender)
        delivery.senders[max_delivery.CHANNEL] = sender
        # agents' Telegram files reach MAX customers as files (also in a workers-only process)
        from bot.max.delivery import setup_file_transfer

        setup_file_transfer(delivery, settings.default_locale)
    if metrics is not None:
        delivery.webhooks.observer = metrics.delivery_observer("webhooks")
        for channel, messenger in delivery.senders.items():
            messenger.observer = metrics.delivery_observer(channel)
    for hook in setup:
        hook(delivery)
    return delivery


def create_workers(settings: Settings, delivery: Delivery | None = None) -> list[Worker]:
    """Delivery workers (`create_delivery`, by default without bots) plus housekeeping
    (expiry, purges, outbox retention)."""
    delivery = delivery if delivery is not None else create_delivery(settings)
    housekeeper = Housekeeper(
        timedelta(days=settings.outbox_retention_days), settings.housekeeping_interval_seconds
    )
    return [*delivery.workers, housekeeper]
