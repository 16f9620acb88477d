"""Business-hours arithmetic as a table: the instants are written in the calendar's own
wall-clock time (and a UTC offset where DST makes it matter)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.business_hours import (
    Calendar,
    NeverOpen,
    add_minutes,
    is_open,
    minutes_between,
    next_opening,
)

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = (((9 * 60, 17 * 60),),) * 5 + ((), ())
SPLIT = ((9 * 60, 13 * 60), (14 * 60, 18 * 60))
ALL_DAY = ((0, 24 * 60),)


def cal(week=NINE_TO_FIVE, holidays=(), tz=BERLIN) -> Calendar:
    return Calendar(tz=tz, week=tuple(week), holidays=frozenset(holidays))


def at(text: str) -> datetime:
    """'2026-12-04 16:30' in Berlin wall time, or an ISO instant with an offset."""
    if "+" in text or text.endswith("Z"):
        return datetime.fromisoformat(text).astimezone(UTC)
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


ADD_CASES = [
    # (what, calendar, start, minutes, expected)
    ("friday 16:30 + 1 h -> monday 09:30", cal(), "2026-12-04 16:30", 60, "2026-12-07 09:30"),
    ("inside one window", cal(), "2026-12-07 10:00", 90, "2026-12-07 11:30"),
    ("exactly to the close", cal(), "2026-12-07 16:00", 60, "2026-12-07 17:00"),
    ("before opening starts at opening", cal(), "2026-12-07 06:00", 30, "2026-12-07 09:30"),
    ("saturday waits for monday", cal(), "2026-12-05 12:00", 10, "2026-12-07 09:10"),
    ("zero minutes when closed is the opening", cal(), "2026-12-05 12:00", 0, "2026-12-07 09:00"),
    ("zero minutes when open is now", cal(), "2026-12-07 12:00", 0, "2026-12-07 12:00"),
    ("split window skips lunch", cal([SPLIT] * 5 + [(), ()]), "2026-12-07 12:30", 60,
     "2026-12-07 14:30"),
    ("split window, end of the day", cal([SPLIT] * 5 + [(), ()]), "2026-12-07 17:30", 60,
     "2026-12-08 09:30"),
    ("holiday is skipped", cal(holidays=[date(2026, 12, 7)]), "2026-12-04 16:30", 60,
     "2026-12-08 09:30"),
    ("christmas holidays", cal(holidays=[date(2026, 12, 24), date(2026, 12, 25)]),
     "2026-12-23 16:00", 120, "2026-12-28 10:00"),
    ("target longer than a week (3 working weeks)", cal(), "2026-12-07 09:00", 3 * 5 * 8 * 60,
     "2026-12-25 17:00"),
    ("all-day days run through the night", cal([ALL_DAY] * 7), "2026-12-07 23:00", 120,
     "2026-12-08 01:00"),
    ("thursday all day, friday from nine", cal([(), (), (), ALL_DAY, ((540, 1020),), (), ()]),
     "2026-12-10 23:30", 60, "2026-12-11 09:30"),
    # DST: Berlin springs forward on 2027-03-28 (02:00 -> 03:00) and falls back on 2027-10-31
    ("spring sunday all day is 23 h", cal([ALL_DAY] * 7), "2027-03-28 00:00", 3 * 60,
     "2027-03-28 04:00"),
    ("spring: 9-17 across the change", cal(), "2027-03-26 16:30", 60, "2027-03-29 09:30"),
    ("spring: the utc offset of the result", cal(), "2027-03-26 16:30", 60,
     "2027-03-29T07:30:00+00:00"),
    ("autumn sunday all day is 25 h", cal([ALL_DAY] * 7), "2027-10-31 00:00", 3 * 60,
     "2027-10-31T02:00:00+01:00"),
    ("autumn: 9-17 keeps wall time", cal(), "2027-10-29 16:30", 60, "2027-11-01 09:30"),
    ("around the clock", Calendar.around_the_clock(), "2026-12-05 12:00", 60 * 24 * 9,
     "2026-12-14 12:00"),
    ("moscow calendar", cal(tz=ZoneInfo("Europe/Moscow")), "2026-12-04T13:30:00+00:00", 60,
     "2026-12-07T06:30:00+00:00"),
]


@pytest.mark.parametrize(("what", "calendar", "start", "minutes", "expected"), ADD_CASES,
                         ids=[c[0] for c in ADD_CASES])
def test_add_minutes(what, calendar, start, minutes, expected) -> None:
    assert add_minutes(calendar, at(start), minutes) == at(expected)


BETWEEN_CASES = [
    ("friday 16:30 to monday 09:30", cal(), "2026-12-04 16:30", "2026-12-07 09:30", 60),
    ("over a weekend while closed", cal(), "2026-12-05 08:00", "2026-12-06 20:00", 0),
    ("lunch not counted", cal([SPLIT] * 5 + [(), ()]), "2026-12-07 12:00", "2026-12-07 15:00",
     120),
    ("spring sunday all day", cal([ALL_DAY] * 7), "2027-03-28 00:00", "2027-03-29 00:00",
     23 * 60),
    ("autumn sunday all day", cal([ALL_DAY] * 7), "2027-10-31 00:00", "2027-11-01 00:00",
     25 * 60),
    ("holiday not counted", cal(holidays=[date(2026, 12, 8)]), "2026-12-07 09:00",
     "2026-12-09 17:00", 16 * 60),
    ("reversed is negative", cal(), "2026-12-07 11:00", "2026-12-07 10:00", -60),
]


@pytest.mark.parametrize(("what", "calendar", "start", "end", "expected"), BETWEEN_CASES,
                         ids=[c[0] for c in BETWEEN_CASES])
def test_minutes_between(what, calendar, start, end, expected) -> None:
    assert minutes_between(calendar, at(start), at(end)) == expected


@pytest.mark.parametrize(("start", "minutes"), [("2026-12-04 16:30", 60), ("2027-03-26 10:00",
                         1000), ("2027-10-30 10:00", 2000)])
def test_add_then_measure_round_trips(start, minutes) -> None:
    calendar = cal([SPLIT] * 5 + [ALL_DAY, ()])
    due = add_minutes(calendar, at(start), minutes)
    assert minutes_between(calendar, at(start), due) == minutes


OPENING_CASES = [
    ("open now", cal(), "2026-12-07 10:00", "2026-12-07 10:00", True),
    ("friday evening", cal(), "2026-12-04 18:00", "2026-12-07 09:00", False),
    ("lunch break", cal([SPLIT] * 5 + [(), ()]), "2026-12-07 13:30", "2026-12-07 14:00", False),
    ("at the close it is closed", cal(), "2026-12-07 17:00", "2026-12-08 09:00", False),
    ("after a holiday", cal(holidays=[date(2026, 12, 7)]), "2026-12-06 10:00",
     "2026-12-08 09:00", False),
]


@pytest.mark.parametrize(("what", "calendar", "moment", "opening", "open_now"), OPENING_CASES,
                         ids=[c[0] for c in OPENING_CASES])
def test_next_opening(what, calendar, moment, opening, open_now) -> None:
    assert next_opening(calendar, at(moment)) == at(opening)
    assert is_open(calendar, at(moment)) is open_now


def test_a_calendar_never_open_is_an_error_not_a_hang() -> None:
    with pytest.raises(NeverOpen):
        add_minutes(cal([()] * 7), at("2026-12-07 10:00"), 10)
