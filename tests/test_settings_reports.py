"""Reports: the figures equal what the database holds for a seeded set of tickets, computed
here on their own from the rows; the CSV parses; the SVG charts draw what they are given."""

from __future__ import annotations

import csv
import io
import random
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from models import Project, Ticket
from models.enums import Channel, TicketStatus
from services import agents, charts, reports, tickets
from services.audit import CLI
from services.errors import ValidationFailed
from services.report_export import COLUMNS, report_csv

TODAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def seeded(project: Project, frozen_clock) -> Project:
    """80 tickets over the last 45 days on three channels, some answered, some closed,
    assigned to two agents (one later removed) or to nobody."""
    frozen_clock.at = TODAY
    rng = random.Random(17)
    olga = await agents.add_agent(project, CLI, name="Olga")
    ivan = await agents.add_agent(project, CLI, name="Ivan")
    for n in range(80):
        channel = rng.choice([Channel.VIRTUAL, Channel.TELEGRAM, Channel.MAX])
        chat_id = None if channel == Channel.VIRTUAL else 1000 + n
        ticket = await tickets.create_ticket(
            project, tickets.NewTicket(text=f"t{n}", channel=channel, chat_id=chat_id)
        )
        assignee = rng.choice([olga, ivan, None])
        if assignee is not None:
            await tickets.assign(project, ticket.id, assignee.id)
        created = TODAY - timedelta(days=rng.uniform(0, 45))
        answered = created + timedelta(minutes=rng.uniform(1, 600)) if rng.random() < 0.7 else None
        closed = created + timedelta(hours=rng.uniform(1, 200)) if rng.random() < 0.5 else None
        if closed is not None and closed > TODAY:
            closed = None
        await Ticket.filter(id=ticket.id).update(
            created_at=created,
            first_response_at=answered,
            closed_at=closed,
            status=TicketStatus.CLOSED if closed else TicketStatus.OPEN,
        )
    await agents.remove_agent(project, CLI, ivan.id)  # their tickets become unassigned
    return project


def by_hand_median(values: list[float]) -> float | None:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def by_hand_p90(values: list[float]) -> float | None:
    """The smallest value with at least 90 % of the values at or below it."""
    for candidate in sorted(values):
        if sum(1 for v in values if v <= candidate) >= 0.9 * len(values):
            return candidate
    return None


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


async def test_figures_equal_what_the_database_holds(seeded):
    span = reports.period(days=30)
    assert (span.start, span.end) == (date(2026, 11, 1), date(2026, 11, 30))
    report = await reports.ticket_report(seeded, span)

    rows = await Ticket.filter(project_id=seeded.id).prefetch_related("assignee")
    first_day = date(2026, 11, 1)
    in_span = lambda moment: moment is not None and utc(moment).date() >= first_day  # noqa: E731
    created = [t for t in rows if in_span(t.created_at)]
    closed = [t for t in rows if in_span(t.closed_at)]
    assert 0 < len(created) < len(rows) and closed  # the seed spans the period's edge

    per_day_created = Counter(utc(t.created_at).date().isoformat() for t in created)
    per_day_closed = Counter(utc(t.closed_at).date().isoformat() for t in closed if t.closed_at)
    assert len(report["per_day"]) == 30
    for day in report["per_day"]:
        assert day["created"] == per_day_created[day["date"]]
        assert day["closed"] == per_day_closed[day["date"]]

    def figures(subset_created: list[Ticket], subset_closed: list[Ticket]) -> dict:
        first = [
            (utc(t.first_response_at) - utc(t.created_at)).total_seconds()
            for t in subset_created
            if t.first_response_at
        ]
        resolution = [
            (utc(t.closed_at) - utc(t.created_at)).total_seconds()
            for t in subset_closed
            if t.closed_at
        ]
        return {
            "created": len(subset_created),
            "closed": len(subset_closed),
            "first_response_seconds": {
                "median": by_hand_median(first), "p90": by_hand_p90(first), "count": len(first)
            },
            "resolution_seconds": {
                "median": by_hand_median(resolution),
                "p90": by_hand_p90(resolution),
                "count": len(resolution),
            },
        }

    assert_same(report["total"], figures(created, closed))
    channels = [group["channel"] for group in report["by_channel"]]
    assert channels == ["max", "telegram", "virtual"]  # the seed used all three
    for group in report["by_channel"]:
        channel = group.pop("channel")
        expected = figures(
            [t for t in created if t.channel == channel],
            [t for t in closed if t.channel == channel],
        )
        assert_same(group, expected)

    def assignee(ticket: Ticket) -> str | None:
        return str(ticket.assignee_id) if ticket.assignee_id else None

    expected_agents = {assignee(t) for t in created + closed}
    assert {g["agent_id"] for g in report["by_agent"]} == expected_agents
    for group in report["by_agent"]:
        agent_id, name = group.pop("agent_id"), group.pop("name")
        assert name == ("Olga" if agent_id else None)  # Ivan was removed: unassigned
        assert_same(
            group,
            figures(
                [t for t in created if assignee(t) == agent_id],
                [t for t in closed if assignee(t) == agent_id],
            ),
        )
    assert report["measure"] == "wall_clock"


def assert_same(got: dict, expected: dict) -> None:
    """Equal counts, and equal times to the microsecond the database keeps."""
    assert (got["created"], got["closed"]) == (expected["created"], expected["closed"])
    for part in ("first_response_seconds", "resolution_seconds"):
        assert got[part]["count"] == expected[part]["count"]
        for figure in ("median", "p90"):
            assert got[part][figure] == pytest.approx(expected[part][figure], abs=1e-6)


async def test_by_agent_counts_per_assignee(seeded):
    report = await reports.ticket_report(seeded, reports.period(days=90))
    rows = await Ticket.filter(project_id=seeded.id).values("assignee_id")
    expected = Counter(str(r["assignee_id"]) if r["assignee_id"] else None for r in rows)
    got = {g["agent_id"]: g["created"] for g in report["by_agent"]}
    assert got == dict(expected)
    assert report["total"]["created"] == 80


async def test_business_hours_hook_measures_every_duration(seeded):
    """A measure given to the report (what services/business_hours.py will supply) is used
    for every duration: halving time halves the medians."""
    span = reports.period(days=30)
    plain = await reports.ticket_report(seeded, span)
    halved = await reports.ticket_report(
        seeded, span, measure=lambda a, b: (b - a).total_seconds() / 2
    )
    for part in ("first_response_seconds", "resolution_seconds"):
        assert halved["total"][part]["median"] == pytest.approx(
            plain["total"][part]["median"] / 2
        )
    assert halved["measure"] == "business_hours"


async def test_csv_export_parses_and_matches_the_report(seeded):
    report = await reports.ticket_report(seeded, reports.period(days=7))
    parsed = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert tuple(parsed[0]) == COLUMNS
    days = [r for r in parsed if r["section"] == "day"]
    assert [(r["key"], int(r["created"]), int(r["closed"])) for r in days] == [
        (d["date"], d["created"], d["closed"]) for d in report["per_day"]
    ]
    [total] = [r for r in parsed if r["section"] == "total"]
    assert int(total["created"]) == report["total"]["created"]
    median = report["total"]["first_response_seconds"]["median"]
    cell = total["first_response_median_seconds"]
    shown = float(cell) if cell else None
    assert shown == (None if median is None else round(median, 3))
    assert {r["section"] for r in parsed} <= {"day", "channel", "agent", "total"}


def test_csv_never_starts_a_cell_with_a_formula():
    report = {
        "from": "2026-11-01", "to": "2026-11-01", "per_day": [], "by_channel": [],
        "total": {"created": 0, "closed": 0,
                  "first_response_seconds": {"median": None, "p90": None},
                  "resolution_seconds": {"median": None, "p90": None}},
        "by_agent": [{"agent_id": "x", "name": "=HYPERLINK(\"evil\")", "created": 1, "closed": 0,
                      "first_response_seconds": {"median": None, "p90": None},
                      "resolution_seconds": {"median": None, "p90": None}}],
    }
    [agent] = [r for r in csv.DictReader(io.StringIO(report_csv(report))) if r["key"] == "x"]
    assert agent["name"].startswith("'=")


@pytest.mark.parametrize(
    "arguments",
    [
        {"days": 14},
        {"days": 7, "start": "2026-11-01"},
        {},
        {"start": "2026-13-01"},
        {"start": "2026-11-10", "end": "2026-11-01"},
        {"start": "2025-01-01", "end": "2026-11-01"},
    ],
)
def test_invalid_periods_are_refused(arguments, frozen_clock):
    frozen_clock.at = TODAY
    with pytest.raises(ValidationFailed):
        reports.period(**arguments)


def test_dates_period_includes_both_days(frozen_clock):
    frozen_clock.at = TODAY
    span = reports.period(start="2026-11-01", end="2026-11-03")
    assert [d.isoformat() for d in span.days()] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert reports.period(start="2026-11-29").end == date(2026, 11, 30)


def test_bar_chart_draws_one_bar_per_value_scaled_to_the_largest():
    svg = charts.bar_chart_svg(
        ["11-01", "11-02", "11-03"],
        {"created": [2, 4, 0], "closed <b>": [1, 0, 3]},
        title="Tickets & more",
    )
    root = ET.fromstring(svg)  # well-formed: names are escaped
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == 6
    heights = {
        (b.get("data-series"), i // 2): float(b.get("height") or "nan")
        for i, b in enumerate(bars)
    }
    tallest = max(heights.values())
    assert heights[("created", 1)] == tallest
    assert heights[("created", 0)] == pytest.approx(tallest / 2)
    assert heights[("closed <b>", 2)] == pytest.approx(tallest * 3 / 4)
    assert heights[("created", 2)] == 0
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Tickets & more"
    assert "<script" not in svg


def test_line_chart_draws_a_polyline_per_series():
    svg = charts.line_chart_svg(
        ["a", "b", "c"], {"median": [10, 20, 5], "p90": [30, 40, 50]}, title="Times"
    )
    root = ET.fromstring(svg)
    lines = [p for p in root.iter(f"{SVG}polyline")]
    assert [line.get("data-series") for line in lines] == ["median", "p90"]
    assert all(len((line.get("points") or "").split()) == 3 for line in lines)
    empty = ET.fromstring(charts.bar_chart_svg([], {"created": []}, title="Nothing"))
    assert [r for r in empty.iter(f"{SVG}rect") if r.get("class") == "bar"] == []
