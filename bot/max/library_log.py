"""maxapi's own log lines, made fit for this product's log: in English, without the retry
chatter of each request, and without the records of errors the bot handles itself.

maxapi logs in Russian under the bare logger names "bot", "connection" and "dispatcher", and
the `backoff` package it retries with logs every attempt: a MAX_BOT_TOKEN with no network
printed a dozen Russian lines before our own. A retryable failure while handling an update
(the database locked, Redis not answering) is taken from its record here and handed to the
update's guard (bot/runtime_base.py), which tries it again or answers 503.
"""

from __future__ import annotations

import logging

from bot.runtime_base import note_retryable

log = logging.getLogger("bot.max")

LIBRARY_LOGGERS = ("bot", "connection", "dispatcher", "backoff")
# maxapi's texts → ours (same arguments); None: per-attempt chatter, kept at DEBUG only
TRANSLATIONS: dict[str, str | None] = {
    "Ошибка соединения (%s), попытка %d, жду %.1fс": None,
    "Серверная ошибка %d, попытка %d, жду %.1fс": None,
    "Ошибка подключения при получении обновлений: %r, жду %s секунд": (
        "MAX long polling: cannot reach the API (%r); trying again in %s s"
    ),
    "Ошибка при получении обновлений: %r, жду %s секунд": (
        "MAX long polling: GET /updates failed (%r); trying again in %s s"
    ),
    "Неожиданная ошибка при получении обновлений: %r": "MAX long polling: GET /updates failed (%r)",
    "Общая ошибка при обработке событий: %r, жду %s секунд": (
        "MAX long polling: a batch of updates failed (%r); it comes again in %s s"
    ),
    "Ошибка подключения, жду %s секунд": "MAX long polling: cannot reach the API; again in %s s",
    "Неверный токен! Останавливаю polling": "MAX_BOT_TOKEN was refused; long polling stops",
}


class LibraryLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            if note_retryable(record.exc_info[1]):
                return False  # the update's guard retries it and logs one line
        if record.name == "backoff":
            # each attempt, and "giving up": the failure reaches our code as an exception
            return log.isEnabledFor(logging.DEBUG)
        if isinstance(record.msg, str) and record.msg in TRANSLATIONS:
            english = TRANSLATIONS[record.msg]
            if english is None:
                return log.isEnabledFor(logging.DEBUG)
            record.msg = english
        return True


_FILTER = LibraryLogFilter()


def quiet_library_log() -> None:
    """Installs the filter on maxapi's loggers (once per process)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
