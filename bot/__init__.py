"""Messenger transports: Telegram (aiogram) and MAX (maxapi), plus outbound delivery."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def setup_bots(app: web.Application, resources_key: web.AppKey[Any]) -> None:
    """Mount the bots on the app; each starts on app startup only if its token is set.

    Telegram: webhook route /bot/telegram/webhook (404 unless TELEGRAM_WEBHOOK_URL is set) and
    a cleanup context that builds Bot + Dispatcher, fills `Resources.extras` (telegram_bot,
    telegram_dispatcher, telegram_bg_factory, delivery_setup) and polls or sets the webhook.
    MAX: webhook route /bot/max/webhook (404 unless MAX_WEBHOOK_URL is set) and a cleanup
    context that builds the maxapi Bot + Dispatcher, fills `Resources.extras` (max_bot,
    max_dispatcher, delivery_setup) and long-polls or subscribes the webhook.
    """
    from bot.max.runtime import setup_max
    from bot.telegram.runtime import setup_telegram

    setup_telegram(app, resources_key)
    setup_max(app, resources_key)
