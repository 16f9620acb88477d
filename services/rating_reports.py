"""The satisfaction report: ratings given in a date range, overall and per credited agent.
The days are the project's (its service levels' time zone, UTC when it has none)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.functions import Count, Sum

from models import Agent, Rating
from services import clock, service_levels
from services.ratings import SCORES
from services.validation import invalid

MAX_DAYS = 366  # one report spans at most a year (a wider range is a mistake or a scan)


def _parse_day(field: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, "must be a date YYYY-MM-DD") from None


def report_range(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """`from`/`to` as given (days, both included); `to` defaults to today, `from` to 29 days
    before `to`. Refused: a malformed day, `from` after `to`, more than MAX_DAYS days."""
    day_to = _parse_day("to", raw_to) or today
    day_from = _parse_day("from", raw_from) or day_to - timedelta(days=29)
    if day_from > day_to:
        raise invalid("from", "must not be after to")
    if (day_to - day_from).days + 1 > MAX_DAYS:
        raise invalid("to", f"must be at most {MAX_DAYS} days after from")
    return day_from, day_to


def _agent_order(row: dict[str, Any]) -> tuple[int, bool, str]:
    return -int(row["count"]), row["agent_id"] is None, str(row["name"] or "")


def _average(total: float | None) -> float | None:
    return None if total is None else round(float(total), 2)


async def report(project_id: uuid.UUID, raw_from: str | None, raw_to: str | None) -> dict[str, Any]:
    """The report for `from`/`to` as given (see `report_range`), "today" being the project's."""
    zone = await service_levels.timezone_of(project_id)
    day_from, day_to = report_range(raw_from, raw_to, clock.now().astimezone(zone).date())
    return await satisfaction(project_id, day_from, day_to)


async def satisfaction(project_id: uuid.UUID, day_from: date, day_to: date) -> dict[str, Any]:
    """Ratings whose `rated_at` falls on the days from `day_from` to `day_to`, days of the
    project's time zone."""
    zone = await service_levels.timezone_of(project_id)
    start = datetime.combine(day_from, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    found = Rating.filter(project_id=project_id, rated_at__gte=start, rated_at__lt=end)
    by_score = await found.annotate(n=Count("id")).group_by("score").values("score", "n")
    distribution = {str(score): 0 for score in SCORES}
    for row in by_score:
        distribution[str(row["score"])] = int(row["n"])
    count = sum(distribution.values())
    total = sum(int(score) * n for score, n in distribution.items())
    # a sum, not Avg: Avg of an integer column comes back as an integer (truncated)
    per_agent = (
        await found.annotate(n=Count("id"), total=Sum("score"))
        .group_by("agent_id")
        .values("agent_id", "n", "total")
    )
    ids = [str(r["agent_id"]) for r in per_agent if r["agent_id"]]  # UUID or text by backend
    names = {str(agent.id): agent.name for agent in await Agent.filter(id__in=ids)}
    by_agent = [
        {
            "agent_id": str(row["agent_id"]) if row["agent_id"] else None,
            "name": names.get(str(row["agent_id"])) if row["agent_id"] else None,
            "count": int(row["n"]),
            "average": _average(int(row["total"]) / int(row["n"])),
        }
        for row in per_agent
    ]
    # the most rated first; unassigned closes (agent_id null) last among equals
    by_agent.sort(key=_agent_order)
    return {
        "from": day_from.isoformat(),
        "to": day_to.isoformat(),
        "timezone": zone.key,
        "count": count,
        "average": _average(total / count) if count else None,
        "distribution": distribution,
        "by_agent": by_agent,
    }
