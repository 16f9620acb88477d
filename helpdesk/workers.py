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
from typing import TYPE_CHECKING, Protocol

from redis.asyncio import Redis

from delivery.broadcasts import BroadcastPacer
from delivery.limits import MemoryLimiter, RateLimiter, RedisLimiter
from delivery.sender import MessengerSender
from delivery.webhooks import WebhookWorker
from helpdesk.housekeeping import Housekeeper
from helpdesk.search_words_worker import SearchWordKeeper
from helpdesk.settings import Settings
from helpdesk.sla_timer import SlaTimer

if TYPE_CHECKING:  # the SDKs are imported only for a bot of their platform
    import aiogram
    import maxapi

    from helpdesk.metrics import Metrics


class Worker(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass
class Delivery:
    webhooks: WebhookWorker
    senders: dict[str, MessengerSender] = field(default_factory=dict)
    broadcasts: BroadcastPacer | None = None  # hands broadcast recipients to the senders

    @property
    def workers(self) -> list[Worker]:
        pacer = [self.broadcasts] if self.broadcasts is not None else []
        return [self.webhooks, *self.senders.values(), *pacer]


def create_delivery(
    settings: Settings,
    *,
    redis: Redis | None = None,
    telegram_bot: aiogram.Bot | None = None,
    max_bot: maxapi.Bot | None = None,
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
    # a platform's module (and its SDK) is imported only for a bot of that platform
    if telegram_bot is not None or settings.telegram_bot_token is not None:
        from delivery import telegram

        sender = telegram.create_sender(settings, telegram_bot, limiter(telegram.CHANNEL), lease)
        delivery.senders[telegram.CHANNEL] = sender
    if max_bot is not None or settings.max_bot_token is not None:
        from bot.max.delivery import setup_file_transfer
        from delivery import max as max_platform
        from delivery.max_agent_chat import setup_max_agent_chat_delivery

        sender = max_platform.create_sender(settings, max_bot, limiter(max_platform.CHANNEL), lease)
        delivery.senders[max_platform.CHANNEL] = sender
        # agents' Telegram files reach MAX customers as files (also in a workers-only process)
        setup_file_transfer(delivery, settings.default_locale)
        # the project's agent chat when it is a MAX group: cards, relayed messages, notices
        setup_max_agent_chat_delivery(delivery, settings.default_locale)
    if delivery.senders:  # broadcasts need someone to send them
        # a broadcast that names no pace goes at the slower platform's ceiling
        delivery.broadcasts = BroadcastPacer(
            60 * min(settings.telegram_rate_per_second, settings.max_rate_per_second)
        )
    if metrics is not None:
        delivery.webhooks.observer = metrics.delivery_observer("webhooks")
        for channel, messenger in delivery.senders.items():
            messenger.observer = metrics.delivery_observer(channel)
    for hook in setup:
        hook(delivery)
    return delivery


def create_workers(settings: Settings, delivery: Delivery | None = None) -> list[Worker]:
    """Delivery workers (`create_delivery`, by default without bots) plus housekeeping
    (expiry, purges, outbox retention), the SLA timer (warnings, breaches, auto-close) and
    the search's word cache."""
    delivery = delivery if delivery is not None else create_delivery(settings)
    housekeeper = Housekeeper(
        timedelta(days=settings.outbox_retention_days), settings.housekeeping_interval_seconds
    )
    return [*delivery.workers, housekeeper, SlaTimer(), SearchWordKeeper()]
