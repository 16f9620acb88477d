"""Input rules that every front end shares."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from services.errors import NotFound, ValidationFailed

MAX_TEXT = 4000
MAX_SUBJECT = 200

Choice = TypeVar("Choice", bound=StrEnum)


def parse_uuid(value: object, *, what: str = "object") -> uuid.UUID:
    """An id from a URL or a button: anything that is not a UUID is simply not found."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} not found") from None


def same_uuid(a: object, b: object) -> bool:
    """Whether two ids (strings or UUIDs, possibly malformed) name the same object."""
    try:
        return uuid.UUID(str(a)) == uuid.UUID(str(b))
    except ValueError:
        return False


def field_uuid(value: object, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise invalid(field, "must be a UUID") from None


def invalid(field: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{field} {problem}", details=[{"field": field, "message": problem}])


def check_text(text: str | None, *, field: str = "text", allow_empty: bool = False) -> str:
    text = (text or "").strip()
    if not text and not allow_empty:
        raise invalid(field, "is required")
    if len(text) > MAX_TEXT:
        raise invalid(field, f"must be at most {MAX_TEXT} characters")
    return text


def check_subject(subject: str | None) -> str | None:
    if subject is None:
        return None
    subject = subject.strip()
    if len(subject) > MAX_SUBJECT:
        raise invalid("subject", f"must be at most {MAX_SUBJECT} characters")
    return subject or None


def subject_from_text(text: str) -> str | None:
    first_line = text.strip().split("\n", 1)[0].strip()
    if not first_line:
        return None
    return first_line if len(first_line) <= MAX_SUBJECT else first_line[: MAX_SUBJECT - 1] + "…"


def one_of(field: str, value: object, allowed: Sequence[Choice]) -> Choice:
    """`value` as one of the `allowed` members (else a validation error naming them all)."""
    for choice in allowed:
        if value == choice:
            return choice
    names = [str(choice) for choice in allowed]
    raise ValidationFailed(
        f"{field} must be one of: {', '.join(names)}",
        details=[{"field": field, "message": f"must be {'|'.join(names)}"}],
    )
