"""The current time, in one place so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that tests set and advance by hand."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime.now(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at += timedelta(**delta)


clock: Clock = Clock()


def now() -> datetime:
    return clock.now()


def set_clock(new_clock: Clock) -> None:
    global clock
    clock = new_clock
