"""Customer texts both messengers show alike: the thread's history and header, a ticket's row
in "My tickets", the consent description, the ticket types. Neither bot owns them; each puts
the strings into its own widgets (aiogram-dialog windows, MAX text + keyboard)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from models.enums import Author
from services.customer_views import ConsentView, ThreadView, TicketRow, TypeView
from services.i18n import Translator, translator

HISTORY_LIMIT = 20  # messages fetched; fewer are shown when they do not fit
HISTORY_BUDGET = 3300  # characters of history; the header and buttons fit in the rest of 4096
LINE_LIMIT = 600  # one long message must not push every other one out
SUBJECT_LIMIT = 200  # in the thread's header
ROW_SUBJECT_LIMIT = 40  # in a "My tickets" button
DESCRIPTION_LIMIT = 1500  # Fluent refuses placeables over 2500 characters


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_id(uuid_text: str) -> str:
    """uuid hex keeps button data short (Telegram's callback data is ≤ 64 bytes)."""
    return uuid_text.replace("-", "")


@lru_cache(maxsize=8192)
def _line(
    locale: str, author: Author, text: str, kinds: tuple[str, ...], created_at: datetime
) -> str:
    """One history line. The thread is redrawn after every message with the same 20 lines
    but one, and Fluent's formatting (a DATETIME each) was the window's biggest cost, so
    lines are kept per locale; a line depends on nothing but these arguments."""
    t = translator(locale)
    files = ", ".join(t(f"attachment-{kind}") for kind in kinds)
    key = "thread-line-agent" if author == Author.AGENT else "thread-line-customer"
    if author == Author.SYSTEM:
        key = "thread-line-system"
    body = clip(text, LINE_LIMIT)
    if files:
        body = t("thread-files", files=files) + ("\n" + body if body else "")
    return t(key, text=body, time=created_at)


def render_history(view: ThreadView, t: Translator, budget: int = HISTORY_BUDGET) -> str:
    """Newest messages that fit in `budget`, oldest first; a line says how many are hidden."""
    lines: list[str] = []
    used = 0
    for message in reversed(view.messages):
        line = _line(
            t.locale,
            message.author,
            message.text,
            tuple(message.attachment_kinds),
            message.created_at,
        )
        if used + len(line) + 2 > budget:
            break
        lines.append(line)
        used += len(line) + 2
    hidden = view.total_messages - len(lines)
    if hidden > 0:
        lines.append(t("thread-earlier", count=hidden))
    return "\n\n".join(reversed(lines))


def thread_header(view: ThreadView, t: Translator) -> dict[str, Any]:
    """The arguments of `thread-header`."""
    return {
        "number": view.number,
        "status": t(f"status-{view.status}"),
        "ticket_type": view.type_name or t("thread-no-type"),
        "subject": clip(view.subject or "-", SUBJECT_LIMIT),
    }


def ticket_row(row: TicketRow, t: Translator) -> str:
    return t(
        "ticket-row",
        number=row.number,
        status=t(f"status-{row.status}"),
        subject=(row.subject or "-")[:ROW_SUBJECT_LIMIT],
    )


def consent_description(view: ConsentView) -> str:
    description = view.description
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1]
    return description or "-"


def type_descriptions(types: list[TypeView]) -> str:
    return "\n".join(f"• {t.name}: {t.description}" for t in types if t.description)


def notice_text(t: Translator, key: str | None, args: dict[str, Any] | None) -> str:
    """A route's notice (a locale key and its arguments); none → empty."""
    return t(key, **(args or {})) if key else ""
