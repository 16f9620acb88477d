"""Business-hours arithmetic: pure functions over a `Calendar` (timezone, weekly windows,
holidays), no database, no clock.

Business time is real elapsed time while the calendar is open: a window is the span between
its local start and end turned into UTC instants on that very date, so a day with a DST
change is an hour shorter or longer exactly when the wall clock says so (an all-day Sunday at
the end of March in Europe/Berlin holds 23 hours). A window's end "24:00" is the next local
midnight; windows never cross midnight (two consecutive all-day days simply touch).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# a calendar with no opening in this many days is treated as never open (a guard against a
# week with no windows, or holidays covering every open day)
SEARCH_DAYS = 3 * 366

Window = tuple[int, int]  # minutes from local midnight: 0 ≤ start < end ≤ 1440


class NeverOpen(ValueError):
    """The calendar has no opening within `SEARCH_DAYS`."""


@dataclass(frozen=True)
class Calendar:
    """When a team works. `week[0]` is Monday's windows (sorted, not overlapping);
    `always_open` ignores the rest (around the clock)."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    week: tuple[tuple[Window, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    @classmethod
    def around_the_clock(cls) -> Calendar:
        return cls(always_open=True)

    def windows_on(self, day: date) -> tuple[Window, ...]:
        if day in self.holidays:
            return ()
        return self.week[day.weekday()]


def _instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock minute on `day` (1440 = the next midnight). A
    wall time skipped by DST (02:30 on the spring-forward night) means the same instant as
    the hour after it; an ambiguous one (autumn) its first occurrence."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def open_intervals(calendar: Calendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's open windows (UTC) that end after `since`, in order (two windows may
    touch, e.g. consecutive all-day days); NeverOpen after SEARCH_DAYS without a window."""
    since = since.astimezone(UTC)
    if calendar.always_open:
        yield since, datetime.max.replace(tzinfo=UTC)
        return
    day = since.astimezone(calendar.tz).date() - timedelta(days=1)  # a DST-safe margin
    idle_days = 0
    while True:
        windows = calendar.windows_on(day)
        idle_days = 0 if windows else idle_days + 1
        if idle_days > SEARCH_DAYS:
            raise NeverOpen("the calendar is never open")
        for start_minute, end_minute in windows:
            start = _instant(day, start_minute, calendar.tz)
            end = _instant(day, end_minute, calendar.tz)
            if end > since and end > start:
                yield start, end
        day += timedelta(days=1)


def add_minutes(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The instant `minutes` business minutes after `start`. Zero minutes from a closed
    moment is the next opening."""
    start = start.astimezone(UTC)
    if calendar.always_open:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=max(minutes, 0))
    for opens, closes in open_intervals(calendar, start):
        begin = max(opens, start)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise NeverOpen("the calendar is never open")  # pragma: no cover - the loop raises first


def minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Business minutes from `start` to `end` (negative when `end` comes first)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -minutes_between(calendar, end, start)
    if calendar.always_open:
        return (end - start).total_seconds() / 60
    total = timedelta()
    for opens, closes in open_intervals(calendar, start):
        if opens >= end:
            break
        total += min(closes, end) - max(opens, start)
    return total.total_seconds() / 60


def next_opening(calendar: Calendar, at: datetime) -> datetime:
    """`at` itself when the calendar is open then, else when it next opens."""
    at = at.astimezone(UTC)
    if calendar.always_open:
        return at
    for opens, _closes in open_intervals(calendar, at):
        return max(opens, at)
    raise NeverOpen("the calendar is never open")  # pragma: no cover


def is_open(calendar: Calendar, at: datetime) -> bool:
    return next_opening(calendar, at) == at.astimezone(UTC)


def local_time(at: datetime, zone: str | ZoneInfo) -> str:
    """`at` on the wall clock of `zone` (an IANA name) with the zone's abbreviation
    ("2026-12-07 09:30 MSK", "… UTC"), or its name where the zone has only a numeric one
    ("2026-12-07 09:30 (Asia/Dubai)")."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    local = at.astimezone(tz)
    abbreviation = local.tzname() or ""
    label = abbreviation if abbreviation.isalpha() else f"({tz.key})"
    return f"{local:%Y-%m-%d %H:%M} {label}"
