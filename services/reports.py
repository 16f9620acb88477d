"""Reports of a project for a period: tickets created and closed per day, first-response
and resolution times (median and p90), by channel and by agent.

Definitions (the tests compute the same figures from the rows on their own):
- a day is a calendar day in the project's time zone (its service levels' `timezone`, UTC
  when it has none; `timezone` in the report names it); the period is `start`..`end`, both
  days included, "today" being the project's today;
- created: tickets whose `created_at` falls in the period; first-response time: for those
  with `first_response_at`, `first_response_at - created_at`;
- closed: tickets whose `closed_at` (the latest close; a reopened ticket has none) falls in
  the period; resolution time: `closed_at - created_at`;
- median: `statistics.median` (the mean of the middle two for an even count); p90: the
  nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest); both None without data, in seconds;
- by agent: the ticket's current assignee ("unassigned" when none); removed agents keep
  their name.

Durations are business time for a project with business hours configured (its service
levels' calendar, `duration_measure`), wall-clock otherwise."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models import Agent, Project, Ticket
from services import business_hours, clock, service_levels
from services.validation import invalid

PRESET_DAYS = (7, 30, 90)
MAX_DAYS = 366
UNASSIGNED = "unassigned"
UTC_ZONE = ZoneInfo("UTC")

# seconds of "working time" between two instants
Measure = Callable[[datetime, datetime], float]


def wall_clock(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


async def duration_measure(project: Project) -> Measure:
    """How durations are measured for this project: in business hours when it has business
    hours configured (the calendar its service levels count in), else wall-clock."""
    levels = await service_levels.levels_of(project.id)
    calendar = levels.calendar
    if calendar.always_open:
        return wall_clock

    def business_seconds(start: datetime, end: datetime) -> float:
        return business_hours.minutes_between(calendar, start, end) * 60

    return business_seconds


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # included
    tz: ZoneInfo = UTC_ZONE  # whose days these are

    @property
    def since(self) -> datetime:
        """The first day's local midnight, as a UTC instant."""
        return datetime.combine(self.start, time.min, tzinfo=self.tz).astimezone(UTC)

    @property
    def until(self) -> datetime:  # excluded
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz).astimezone(
            UTC
        )

    def day_of(self, moment: datetime) -> date:
        """The local day an instant falls on."""
        return _utc(moment).astimezone(self.tz).date()

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _date(value: str | date, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise invalid(field, "must be a date YYYY-MM-DD") from None


async def project_period(
    project: Project,
    *,
    days: int | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> Period:
    """`period` in the project's days (its service levels' time zone, UTC when none)."""
    zone = await service_levels.timezone_of(project.id)
    return period(days=days, start=start, end=end, tz=zone)


def period(
    *,
    days: int | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    tz: ZoneInfo = UTC_ZONE,
) -> Period:
    """The last `days` (7, 30 or 90, today included), or `start`..`end` (end defaults to
    today); at most 366 days, not in the future. Days of the time zone `tz`."""
    today = clock.now().astimezone(tz).date()
    if days is not None:
        if start is not None or end is not None:
            raise invalid("days", "give either days or dates, not both")
        if days not in PRESET_DAYS:
            raise invalid("days", f"must be one of: {', '.join(map(str, PRESET_DAYS))}")
        return Period(today - timedelta(days=days - 1), today, tz)
    if start is None:
        raise invalid("from", "is required (or give days)")
    first = _date(start, "from")
    last = _date(end, "to") if end is not None else today
    if last < first:
        raise invalid("to", "must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise invalid("to", f"a period is at most {MAX_DAYS} days")
    return Period(first, last, tz)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)), 1) - 1]


def _times(values: list[float]) -> dict[str, float | None]:
    return {"median": median(values), "p90": p90(values), "count": len(values)}


@dataclass
class _Group:
    created: int = 0
    closed: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "closed": self.closed,
            "first_response_seconds": _times(self.first_response),
            "resolution_seconds": _times(self.resolution),
        }


def _add(group: _Group, kind: str, seconds: float | None) -> None:
    if kind == "created":
        group.created += 1
        if seconds is not None:
            group.first_response.append(seconds)
    else:
        group.closed += 1
        group.resolution.append(seconds or 0.0)


_FIELDS = ("created_at", "first_response_at", "closed_at", "channel", "assignee_id")


async def ticket_report(
    project: Project, span: Period, *, measure: Measure | None = None
) -> dict[str, Any]:
    """The report of `project` over `span` (see the module's definitions)."""
    measure = measure or await duration_measure(project)
    base = Ticket.filter(project_id=project.id)
    created_rows = await base.filter(created_at__gte=span.since, created_at__lt=span.until).values(
        *_FIELDS
    )
    closed_rows = await base.filter(closed_at__gte=span.since, closed_at__lt=span.until).values(
        *_FIELDS
    )
    per_day = {day: _Group() for day in span.days()}
    total = _Group()
    by_channel: dict[str, _Group] = defaultdict(_Group)
    by_agent: dict[str, _Group] = defaultdict(_Group)
    for kind, rows, stamp in (
        ("created", created_rows, "created_at"),
        ("closed", closed_rows, "closed_at"),
    ):
        for row in rows:
            seconds = _seconds(kind, row, measure)
            agent = str(row["assignee_id"]) if row["assignee_id"] else UNASSIGNED
            day = span.day_of(row[stamp])
            for group in (per_day[day], total, by_channel[str(row["channel"])], by_agent[agent]):
                _add(group, kind, seconds)
    names = await _agent_names(project, by_agent)
    return {
        "project_id": str(project.id),
        "from": span.start.isoformat(),
        "to": span.end.isoformat(),
        "timezone": span.tz.key,
        "measure": "wall_clock" if measure is wall_clock else "business_hours",
        "total": total.view(),
        "per_day": [
            {"date": day.isoformat(), "created": g.created, "closed": g.closed}
            for day, g in per_day.items()
        ],
        "by_channel": [
            {"channel": channel, **group.view()} for channel, group in sorted(by_channel.items())
        ],
        "by_agent": [
            {"agent_id": None if key == UNASSIGNED else key, "name": names.get(key), **g.view()}
            for key, g in sorted(by_agent.items(), key=lambda item: names.get(item[0]) or "")
        ],
    }


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _seconds(kind: str, row: dict[str, Any], measure: Measure) -> float | None:
    created = _utc(row["created_at"])
    end = row["first_response_at"] if kind == "created" else row["closed_at"]
    return None if end is None else max(measure(created, _utc(end)), 0.0)


async def _agent_names(project: Project, keys: Iterable[str]) -> dict[str, str | None]:
    ids = [key for key in keys if key != UNASSIGNED]
    agents = await Agent.filter(project_id=project.id, id__in=ids).only("id", "name")
    return {UNASSIGNED: None, **{str(agent.id): agent.name for agent in agents}}
