"""Cutting long texts into messages the platform accepts, in order."""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], int]


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int, measure: Measure) -> int:
    """The longest prefix length (in characters) that measures at most `limit`."""
    if measure(text) <= limit:
        return len(text)
    lo, hi = 0, min(len(text), limit)
    while lo < hi:  # binary search: measure is monotonic in the prefix length
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def next_chunk(text: str, limit: int, measure: Measure = len) -> tuple[str, int]:
    """The next part to send and how many characters of `text` it consumes.

    Cuts at the last paragraph break that fits, else a line break, else a space, else hard;
    the separator is consumed but not sent, so parts neither start nor end with it.
    """
    fit = _fit(text, limit, measure)
    if fit >= len(text):
        return text, len(text)
    window = text[:fit]
    for separator in ("\n\n", "\n", " "):
        cut = window.rfind(separator)
        if cut > 0:
            end = cut + len(separator)
            while end < len(text) and text[end] in "\n ":
                end += 1  # skip the run of blank lines/spaces so the next part starts clean
            return text[:cut].rstrip(), end
    return window, fit


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    parts: list[str] = []
    while text:
        part, used = next_chunk(text, limit, measure)
        if part:
            parts.append(part)
        text = text[used:]
    return parts
