"""Fake Telegram Bot API and MAX API servers that the real aiogram / maxapi clients talk to.

See ``tests/fakes/telegram.py`` and ``tests/fakes/max.py`` for the full API.
"""

from tests.fakes.max import (
    FakeMax,
    MaxCall,
    MaxUpdateFactory,
    MaxUpload,
    feed_max_update,
    max_update,
)
from tests.fakes.telegram import (
    Call,
    ChatInfo,
    FakeTelegram,
    Topic,
    UpdateFactory,
    UploadedFile,
    tg_update,
)

__all__ = [
    "Call",
    "ChatInfo",
    "FakeMax",
    "FakeTelegram",
    "MaxCall",
    "MaxUpdateFactory",
    "MaxUpload",
    "Topic",
    "UpdateFactory",
    "UploadedFile",
    "feed_max_update",
    "max_update",
    "tg_update",
]
