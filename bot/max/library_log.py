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
# the start of maxapi's texts → ours (taking the same arguments); None: chatter (each
# attempt, each update, each stop), kept at DEBUG only
TRANSLATIONS: tuple[tuple[str, str | None], ...] = (
    ("Ошибка соединения (", None),
    ("Серверная ошибка ", None),
    ("Обработано: ", None),
    ("Проигнорировано: ", None),
    ("Зарегистрировано ", None),
    ("Останавливаю polling", None),
    ("Polling остановлен", None),
    ("Цикл polling завершился с ошибкой", None),  # our polling loop said it already
    ("Ожидаю завершения ", None),
    ("Все фоновые задачи завершены", None),
    (
        "Ошибка подключения при получении обновлений",
        "MAX long polling: cannot reach the API (%r); trying again in %s s",
    ),
    (
        "Ошибка при получении обновлений",
        "MAX long polling: GET /updates failed (%r); trying again in %s s",
    ),
    ("Неожиданная ошибка при получении обновлений", "MAX long polling: GET /updates failed (%r)"),
    (
        "Общая ошибка при обработке событий",
        "MAX long polling: a batch of updates failed (%r); it comes again in %s s",
    ),
    ("Ошибка подключения, жду", "MAX long polling: cannot reach the API; trying again in %s s"),
    ("Неверный токен", "MAX_BOT_TOKEN was refused; long polling stops"),
    ("Бот: @", "MAX bot @%s (%s, id %s)"),
    ("БОТ ИГНОРИРУЕТ POLLING", "MAX sends no updates to long polling while webhooks are set: %s"),
    ("Ошибка при обработке события: router_id", "MAX update failed: router %s | %s | %r"),
    ("Ошибка при обработке события", "MAX update failed: %s | %r"),
    ("Ошибка в обработчике ошибки", "MAX error handler failed: %r (handling %r)"),
    ("Ошибка в обработчике", "MAX update handler failed: %s"),
)


class LibraryLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            if note_retryable(record.exc_info[1]):
                return False  # the update's guard retries it and logs one line
        if record.name == "backoff":
            # each attempt, and "giving up": the failure reaches our code as an exception
            return log.isEnabledFor(logging.DEBUG)
        if isinstance(record.msg, str):
            for russian, english in TRANSLATIONS:
                if record.msg.startswith(russian):
                    if english is None:
                        return log.isEnabledFor(logging.DEBUG)
                    record.msg = english
                    break
        return True


_FILTER = LibraryLogFilter()


def quiet_library_log() -> None:
    """Installs the filter on maxapi's loggers (once per process)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
