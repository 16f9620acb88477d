"""Input rules of the subscriber API, shared by the REST views, the CLI and the bots."""

from __future__ import annotations

import re
from typing import Any

from services.errors import ValidationFailed
from services.subscribers import MAX_TAGS
from services.validation import invalid

TAG = re.compile(r"[a-z0-9_-]{1,32}")
MAX_ROWS = 3
MAX_PER_ROW = 3
MAX_CALLBACK = 64
MAX_BUTTON_TEXT = 64
MAX_URL = 2048
LINK_ID = re.compile(r"[A-Za-z0-9]{12}")


def check_tags(tags: list[str], field: str = "tags", *, limit: int = MAX_TAGS) -> list[str]:
    """Distinct tags in their given order; each `[a-z0-9_-]{1,32}`, at most `limit`."""
    problems = [
        {"field": f"{field}[{i}]", "message": "must match [a-z0-9_-]{1,32}"}
        for i, tag in enumerate(tags)
        if not isinstance(tag, str) or not TAG.fullmatch(tag)
    ]
    if problems:
        raise ValidationFailed(f"{field}: invalid tag", details=problems)
    unique = list(dict.fromkeys(tags))
    if len(unique) > limit:
        raise invalid(field, f"must hold at most {limit} tags")
    return unique


def check_buttons(rows: list[list[dict[str, Any]]] | None) -> list[list[dict[str, str]]]:
    """≤ 3 rows × 3 buttons, each {text, url} or {text, callback (1–64 chars)}."""
    rows = rows or []
    if len(rows) > MAX_ROWS:
        raise invalid("buttons", f"must have at most {MAX_ROWS} rows")
    checked: list[list[dict[str, str]]] = []
    for r, row in enumerate(rows):
        if not row or len(row) > MAX_PER_ROW:
            raise invalid(f"buttons[{r}]", f"must have 1 to {MAX_PER_ROW} buttons")
        out_row = []
        for c, button in enumerate(row):
            where = f"buttons[{r}][{c}]"
            text = str(button.get("text") or "").strip()
            url, callback = button.get("url"), button.get("callback")
            if not text or len(text) > MAX_BUTTON_TEXT:
                raise invalid(f"{where}.text", f"must be 1 to {MAX_BUTTON_TEXT} characters")
            if (url is None) == (callback is None):
                raise invalid(where, "needs exactly one of url and callback")
            if url is not None:
                if not str(url).startswith(("https://", "http://")) or len(str(url)) > MAX_URL:
                    raise invalid(f"{where}.url", "must be an http(s) URL")
                out_row.append({"text": text, "url": str(url)})
            else:
                if not 1 <= len(str(callback)) <= MAX_CALLBACK:
                    raise invalid(f"{where}.callback", f"must be 1 to {MAX_CALLBACK} characters")
                out_row.append({"text": text, "callback": str(callback)})
        checked.append(out_row)
    return checked
