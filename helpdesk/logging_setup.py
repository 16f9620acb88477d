"""Process logging: one JSON object per line (`LOG_FORMAT=json`) or readable text.

Every line carries the request id / update id / ticket id of the work it belongs to, taken
from context variables that the HTTP middleware, the bot and the workers set. A filter
masks bot tokens, API keys and bearer credentials wherever a library puts them (aiohttp and
aiogram log URLs such as `/bot123:ABC/sendMessage`).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
update_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "update_id", default=None
)
ticket_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ticket_id", default=None
)
_CONTEXT = (("request_id", request_id_var), ("update_id", update_id_var),
            ("ticket_id", ticket_id_var))

REDACTED = "***"
_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    # a Telegram bot token, in a Bot API URL or anywhere else: 123456:AA...
    (
        re.compile(r"(?<![\d.])(\d{3,}):(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{3,}"),
        rf"\1:{REDACTED}",
    ),
    # our API keys (services.projects.API_KEY_PREFIX)
    (re.compile(r"hd_live_[A-Za-z0-9_-]+"), f"hd_live_{REDACTED}"),
    # credentials in headers or query strings
    (re.compile(r"(?i)(bearer\s+)[^\s'\"&,]+"), rf"\1{REDACTED}"),
    (
        re.compile(r"(?i)((?:access_token|token|secret|api_key|signature)=)[^\s&'\"]+"),
        rf"\1{REDACTED}",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


@contextlib.contextmanager
def bound(
    *, request_id: str | None = None, update_id: int | None = None, ticket_id: object = None
) -> Iterator[None]:
    """Set the ids for the lines logged inside the block (only the ones given)."""
    tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = []
    if request_id is not None:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    if update_id is not None:
        tokens.append((update_id_var, update_id_var.set(update_id)))
    if ticket_id is not None:
        tokens.append((ticket_id_var, ticket_id_var.set(str(ticket_id))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Copies the context ids onto the record and masks secrets in the final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _CONTEXT:
            if not hasattr(record, name):
                setattr(record, name, var.get())
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, _ in _CONTEXT:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [
            f"{name}={value}"
            for name, _ in _CONTEXT
            if (value := getattr(record, name, None)) is not None
        ]
        if not ids:
            return line
        head, sep, tail = line.partition("\n")  # ids on the first line, before a traceback
        return f"{head} [{' '.join(ids)}]{sep}{tail}"


def make_handler(fmt: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing `fmt` ("json" or "text") with the ids and the redaction."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    return handler


def configure_logging(level: str, fmt: str, stream: TextIO | None = None) -> logging.Handler:
    """Replace the root handlers with one from `make_handler` (the process entry point)."""
    handler = make_handler(fmt, stream)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("tortoise").setLevel(logging.WARNING)  # its INFO lines are noise here
    # one line per HTTP request at INFO would carry query strings; the metrics count them
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return handler
