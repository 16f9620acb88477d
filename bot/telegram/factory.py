"""Builds the aiogram Bot and Dispatcher; nothing is created at import time."""

from __future__ import annotations

import secrets
import time
from http import HTTPStatus
from typing import Any, ClassVar

import orjson
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.methods import EditMessageReplyMarkup, Response, TelegramMethod
from aiogram.types import InputFile
from aiogram_dialog import BgManagerFactory, setup_dialogs
from aiogram_dialog.api.entities import stack as stack_entities
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState
from aiogram_dialog.api.protocols import MessageManagerProtocol
from aiohttp import BytesPayload
from redis.asyncio import Redis

from bot.telegram.agent_group import create_agent_group_router
from bot.telegram.customer import customer_router, fallback_router
from bot.telegram.i18n import TranslatorMiddleware
from bot.telegram.ratings import rating_router
from dialogs import create_dialogs
from dialogs.common import on_unknown_intent
from helpdesk.settings import Settings, console_base_url

BG_FACTORY_KEY = "bg_factory"  # workflow data key of the aiogram-dialog background factory


def _wide_intent_id() -> str:
    """aiogram-dialog 2.6 draws intent ids from 100 values per second, so two dialogs opened
    in the same second (menu + thread on one tap) collide 1 time in 100 and the stack breaks.
    A 48-bit random part keeps ids short (callback data: ~12 chars) and practically unique."""
    return stack_entities.id_to_str(int(time.time()) % 100_000_000 + secrets.randbits(48) * 10**8)


def _use_wide_intent_ids() -> None:
    stack_entities.new_id = _wide_intent_id  # looked up at each Stack.push


class BotSession(AiohttpSession):
    """aiogram parses each answer with `Response[method.__returning__]`, and pydantic keeps
    parametrized models in a weak cache: once collected, the next Bot API call built the model
    class (schema, validator) again — ~7 % of the bot's CPU in bench/bot.py. Holding one
    reference per return type here keeps that lookup a cache hit."""

    _response_types: ClassVar[dict[Any, Any]] = {}

    @classmethod
    def _response_type(cls, returning: Any) -> Any:
        model = cls._response_types.get(returning)
        if model is None:
            model = cls._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        return model

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        if isinstance(method, EditMessageReplyMarkup) and HTTPStatus.OK == status_code:
            # aiogram-dialog strips the old window's buttons with this call before every new
            # window and never reads the answer: a success is not parsed into a Message
            # (True, the answer's other documented form); failures go the usual way
            answer = self.json_loads(content)
            if isinstance(answer, dict) and answer.get("ok") is True:
                return self._response_type(Any).model_construct(ok=True, result=True)  # type: ignore[no-any-return]
        self._response_type(method.__returning__)
        return super().check_response(bot, method, status_code, content)

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        """A JSON body (orjson) for a call without files: aiohttp's urlencoded form was about
        a third of each call's own cost. Values are prepared as aiogram prepares them, minus
        the JSON text per nested field; an upload keeps aiogram's multipart form."""
        files: dict[str, InputFile] = {}
        fields: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":  # aiogram's form skips these too
                fields[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        return BytesPayload(orjson.dumps(fields), content_type="application/json")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_bot(settings: Settings) -> Bot:
    """The Bot API client; orjson encodes the requests' JSON fields (reply markup) and
    decodes the answers and the webhook's updates (`TelegramWebhook` uses the same loads)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base
    session = BotSession(json_loads=orjson.loads, json_dumps=_json_dumps)
    if base:
        session.api = TelegramAPIServer.from_base(base)
    return Bot(settings.telegram_bot_token.get_secret_value(), session=session)


def create_storage(redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis keeps dialogs across restarts and processes; aiogram-dialog needs the destiny key."""
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    key_builder = DefaultKeyBuilder(with_destiny=True)
    return (
        RedisStorage(redis, key_builder=key_builder),
        RedisEventIsolation(redis, key_builder=key_builder),
    )


def create_dispatcher(
    settings: Settings,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation | None = None,
    *,
    message_manager: MessageManagerProtocol | None = None,
) -> tuple[Dispatcher, BgManagerFactory]:
    """The customer bot: entry points, dialogs, a fallback; returns the bg-manager factory."""
    _use_wide_intent_ids()
    isolation = events_isolation or SimpleEventIsolation()
    # the isolation serialises one user's dialog updates (aiogram-dialog); plain FSM needs none
    dp = Dispatcher(storage=storage)
    dp.update.outer_middleware(TranslatorMiddleware(settings.default_locale))
    # group chats (agents) first: their router takes every group update, so the customer
    # routers below only ever see private chats
    dp.include_router(
        create_agent_group_router(settings.default_locale, console_base_url(settings))
    )
    dp.include_router(customer_router())
    dp.include_router(rating_router())  # survey buttons: not a dialog's, so before them
    dp.include_routers(*create_dialogs())
    dp.include_router(fallback_router())
    dp.errors.register(
        on_unknown_intent, ExceptionTypeFilter(UnknownIntent, UnknownState, OutdatedIntent)
    )
    bg_factory = setup_dialogs(dp, message_manager=message_manager, events_isolation=isolation)
    dp[BG_FACTORY_KEY] = bg_factory
    return dp, bg_factory
