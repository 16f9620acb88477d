"""Reports count the project's days: with service levels in Europe/Moscow (UTC+3) a ticket
created or a rating given at 22:30 UTC belongs to the next Moscow day, "today" is Moscow's
today, and every report names the zone. Without a time zone they stay in UTC."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from typing import Any

from helpdesk.app import create_app
from models import Project, Rating, RatingSurvey, Ticket
from services import clock, console_auth, rating_reports, reports, service_levels, tickets
from tests.api.conftest import api_settings

# Monday 2026-11-30 22:30 UTC is Tuesday 2026-12-01 01:30 in Moscow
LATE_EVENING_UTC = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
MOSCOW = {"timezone": "Europe/Moscow", "business_hours": {"mon": [["09:00", "18:00"]]}}


async def _late_ticket_and_rating(project: Project) -> None:
    """One ticket created, closed and rated at 21:30 UTC (00:30 in Moscow, Dec 1)."""
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="late"))
    moment = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)
    await Ticket.filter(id=ticket.id).update(created_at=moment, closed_at=moment)
    survey = await RatingSurvey.create(project=project, ticket=ticket, cycle=1, sent_at=moment)
    await Rating.create(project=project, ticket=ticket, survey=survey, score=4, rated_at=moment)


def _per_day(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {row["date"]: (row["created"], row["closed"]) for row in report["per_day"]}


async def test_ticket_report_buckets_days_in_the_projects_time_zone(
    project: Project, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = LATE_EVENING_UTC
    await service_levels.put_settings(project.id, MOSCOW)
    await _late_ticket_and_rating(project)

    span = await reports.project_period(project, days=7)
    assert (span.start, span.end) == (date(2026, 11, 25), date(2026, 12, 1))  # Moscow's today
    report = await reports.ticket_report(project, span)
    assert report["timezone"] == "Europe/Moscow"
    assert _per_day(report)["2026-12-01"] == (1, 1)
    assert _per_day(report)["2026-11-30"] == (0, 0)
    days = [r for r in csv.DictReader(io.StringIO(reports_csv(report))) if r["section"] == "day"]
    assert ("2026-12-01", "1") in [(r["key"], r["created"]) for r in days]

    # a period given by dates: Nov 30 in Moscow ends at 21:00 UTC, before the ticket
    only_30th = await reports.project_period(project, start="2026-11-30", end="2026-11-30")
    assert (await reports.ticket_report(project, only_30th))["total"]["created"] == 0


async def test_without_a_time_zone_days_stay_utc(
    project: Project, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = LATE_EVENING_UTC
    await _late_ticket_and_rating(project)
    span = await reports.project_period(project, days=7)
    assert span.end == date(2026, 11, 30)
    report = await reports.ticket_report(project, span)
    assert report["timezone"] == "UTC"
    assert _per_day(report)["2026-11-30"] == (1, 1)
    rated = await rating_reports.report(project.id, "2026-11-30", "2026-11-30")
    assert rated["count"] == 1 and rated["timezone"] == "UTC"


async def test_satisfaction_report_uses_the_projects_days(
    aiohttp_client: Any, db: str, project: Project, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.at = LATE_EVENING_UTC
    await service_levels.put_settings(project.id, MOSCOW)
    await _late_ticket_and_rating(project)

    assert (await rating_reports.report(project.id, "2026-11-30", "2026-11-30"))["count"] == 0
    on_first = await rating_reports.report(project.id, "2026-12-01", "2026-12-01")
    assert on_first["count"] == 1 and on_first["timezone"] == "Europe/Moscow"
    default = await rating_reports.report(project.id, None, None)  # `to` is Moscow's today
    assert default["to"] == "2026-12-01" and default["count"] == 1

    # the console's reports page and CSV: Moscow's days, the zone named
    client = await aiohttp_client(create_app(api_settings(db), role="api"))
    issued = await console_auth.create_login_link(project.id)
    await client.get(f"/console/login/{issued.token}", allow_redirects=False)
    page = await (await client.get("/console/settings/reports?days=7")).text()
    assert "2026-11-25 – 2026-12-01 (Europe/Moscow)" in page
    assert re.search(r'id="csat-average">Average \S*4\.0\S* of 5 from \S*1\S* rating', page)
    exported = await (await client.get("/console/settings/reports.csv?days=7")).text()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["created"] for r in rows if r["key"] == "2026-12-01"] == ["1"]


def reports_csv(report: dict[str, Any]) -> str:
    from services.report_export import report_csv

    return report_csv(report)
