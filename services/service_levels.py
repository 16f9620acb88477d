"""A project's service-level settings (API.md "Service levels"): read, validate, store, and
what the SLA clock needs from them (the calendar, a priority's targets)."""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.transactions import in_transaction

from models import Project, ServiceLevels
from models.enums import Priority
from services import audit
from services.audit import Actor
from services.business_hours import DAYS, MINUTES_PER_DAY, Calendar
from services.errors import NotFound, ValidationFailed
from services.validation import parse_uuid

TARGETS = ("first_response", "next_response", "resolution")
MAX_MINUTES = 366 * 24 * 60
MAX_TEXT = 1000
MAX_HOLIDAYS = 1000
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "business_hours": None,
    "holidays": [],
    "targets": {
        "first_response_minutes": None,
        "next_response_minutes": None,
        "resolution_minutes": None,
        "business_hours_only": True,
        "by_priority": {},
    },
    "warn_before_minutes": 15,
    "out_of_hours_reply": {"enabled": False, "text": None},
    "auto_close": {"enabled": False, "after_hours": 72, "reopen_window_days": 7, "text": None},
}


@dataclass(frozen=True)
class Levels:
    """The validated settings of one project, as the SLA clock uses them."""

    document: dict[str, Any]
    calendar: Calendar

    def targets_for(self, priority: str | Priority) -> dict[str, int | None]:
        """Minutes per target (`first_response` …) for a priority; None = no target."""
        targets = self.document["targets"]
        override = targets["by_priority"].get(str(priority), {})
        return {
            name: override.get(f"{name}_minutes", targets[f"{name}_minutes"]) for name in TARGETS
        }

    @property
    def has_targets(self) -> bool:
        return any(
            value is not None
            for priority in Priority
            for value in self.targets_for(priority).values()
        )

    @property
    def target_calendar(self) -> Calendar:
        """The calendar the targets count in (around the clock unless business hours only)."""
        if self.document["targets"]["business_hours_only"]:
            return self.calendar
        return Calendar.around_the_clock()

    @property
    def timezone(self) -> ZoneInfo:
        """The project's time zone (UTC unless set): its days in reports, its clock times on
        cards and pages."""
        return ZoneInfo(self.document["timezone"])

    @property
    def warn_before_minutes(self) -> int:
        return int(self.document["warn_before_minutes"])

    @property
    def out_of_hours_reply(self) -> dict[str, Any]:
        return dict(self.document["out_of_hours_reply"])

    @property
    def auto_close(self) -> dict[str, Any]:
        return dict(self.document["auto_close"])


async def get_settings(project_id: object) -> dict[str, Any]:
    """The project's settings document (the defaults until it is set)."""
    pid = parse_uuid(project_id, what="project")
    if not await Project.exists(id=pid):
        raise NotFound("project not found")
    return (await levels_of(pid)).document


async def levels_of(project_id: object) -> Levels:
    """The project's levels (one indexed read; the defaults when never set)."""
    pid = parse_uuid(project_id, what="project")
    row = await ServiceLevels.get_or_none(project_id=pid)
    return build_levels(row.settings if row is not None else copy.deepcopy(DEFAULTS))


async def timezone_of(project_id: object) -> ZoneInfo:
    """The project's time zone (UTC when it has none)."""
    return (await levels_of(project_id)).timezone


async def put_settings(project_id: object, raw: Any, *, actor: Actor = audit.API) -> dict[str, Any]:
    """Validate a whole settings document and store it (with an audit entry naming the
    top-level fields that changed); returns it as stored. The project's open tickets are
    put under the new rules in the same transaction (services.sla_recompute)."""
    from services import sla_recompute  # it builds on services.sla, which imports this module

    pid = parse_uuid(project_id, what="project")
    document = validate(raw)
    if not await Project.exists(id=pid):
        raise NotFound("project not found")
    levels = build_levels(document)
    async with in_transaction():
        row = await ServiceLevels.get_or_none(project_id=pid)
        before = row.settings if row is not None else copy.deepcopy(DEFAULTS)
        if row is not None:
            await ServiceLevels.filter(project_id=pid).update(settings=document)
        else:
            await ServiceLevels.create(project_id=pid, settings=document)
        changes = audit.diff(before, document)
        if changes:
            await audit.record(
                pid,
                actor,
                "service_levels.changed",
                target_type="project",
                target_id=pid,
                changes=changes,
            )
        await Project.filter(id=pid).update(
            service_levels_on=levels.has_targets
            or levels.out_of_hours_reply["enabled"]
            or levels.auto_close["enabled"]
        )
        if _clock_rules(before) != _clock_rules(document):
            await sla_recompute.reapply(pid, build_levels(before), levels)
    return document


def _clock_rules(document: dict[str, Any]) -> dict[str, Any]:
    """The part of the settings open tickets' due times and checks depend on."""
    return {key: value for key, value in document.items() if key != "out_of_hours_reply"}


def build_levels(document: dict[str, Any]) -> Levels:
    hours = document["business_hours"]
    if hours is None:
        calendar = Calendar.around_the_clock()
    else:
        calendar = Calendar(
            tz=ZoneInfo(document["timezone"]),
            week=tuple(
                tuple((_minute(start), _minute(end)) for start, end in hours[day]) for day in DAYS
            ),
            holidays=frozenset(date.fromisoformat(day) for day in document["holidays"]),
        )
    return Levels(document, calendar)


# --- validation ----------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.details.append({"field": field, "message": message})


def validate(raw: Any) -> dict[str, Any]:
    """The settings document as stored (defaults filled in), or ValidationFailed naming every
    bad field."""
    problems = _Problems()
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "body must be a JSON object", details=[{"field": "body", "message": "not an object"}]
        )
    document = copy.deepcopy(DEFAULTS)
    document["timezone"] = _timezone(raw.get("timezone", "UTC"), problems)
    document["business_hours"] = _business_hours(raw.get("business_hours"), problems)
    document["holidays"] = _holidays(raw.get("holidays", []), problems)
    document["targets"] = _targets(raw.get("targets", {}), problems)
    document["warn_before_minutes"] = _minutes(
        raw.get("warn_before_minutes", 15), "warn_before_minutes", problems, nullable=False
    )
    document["out_of_hours_reply"] = _section(
        raw.get("out_of_hours_reply", {}), "out_of_hours_reply", {}, problems
    )
    document["auto_close"] = _section(
        raw.get("auto_close", {}),
        "auto_close",
        {"after_hours": (1, 24 * 366), "reopen_window_days": (0, 366)},
        problems,
    )
    if problems.details:
        first = problems.details[0]
        raise ValidationFailed(f"{first['field']} {first['message']}", details=problems.details)
    return document


def _timezone(value: Any, problems: _Problems) -> str:
    if not isinstance(value, str) or not value:
        problems.add("timezone", "must be an IANA time zone name")
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("timezone", f"unknown time zone {value!r}")
        return "UTC"
    return value


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _business_hours(value: Any, problems: _Problems) -> dict[str, list[list[str]]] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add("business_hours", "must be an object of days or null")
        return None
    unknown = sorted(set(value) - set(DAYS))
    if unknown:
        problems.add(f"business_hours.{unknown[0]}", "is not a day (mon … sun)")
    week: dict[str, list[list[str]]] = {}
    for day in DAYS:
        windows = value.get(day, [])
        field = f"business_hours.{day}"
        if not isinstance(windows, list):
            problems.add(field, "must be a list of [start, end] windows")
            continue
        spans: list[tuple[int, int]] = []
        for n, window in enumerate(windows):
            span = _window(window, f"{field}[{n}]", problems)
            if span is not None:
                spans.append(span)
        spans.sort()
        for before, after in itertools.pairwise(spans):
            if after[0] < before[1]:
                problems.add(field, "windows overlap")
                break
        week[day] = [[_hhmm(start), _hhmm(end)] for start, end in spans]
    return week


def _window(window: Any, field: str, problems: _Problems) -> tuple[int, int] | None:
    if (
        not isinstance(window, list)
        or len(window) != 2
        or not all(isinstance(part, str) and _TIME.match(part) for part in window)
    ):
        problems.add(field, 'must be ["HH:MM", "HH:MM"] (00:00 … 24:00)')
        return None
    start, end = _minute(window[0]), _minute(window[1])
    if start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
        problems.add(field, "24:00 is only an end, and no time is after it")
        return None
    if end <= start:
        problems.add(field, "must end after it starts (windows do not cross midnight)")
        return None
    return start, end


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _holidays(value: Any, problems: _Problems) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_HOLIDAYS:
        problems.add("holidays", f"must be a list of up to {MAX_HOLIDAYS} dates YYYY-MM-DD")
        return []
    days: set[str] = set()
    for n, item in enumerate(value):
        try:
            days.add(date.fromisoformat(item).isoformat())
        except (TypeError, ValueError):
            problems.add(f"holidays[{n}]", "must be a date YYYY-MM-DD")
    return sorted(days)


def _minutes(value: Any, field: str, problems: _Problems, *, nullable: bool = True) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
        problems.add(field, f"must be whole minutes from 0 to {MAX_MINUTES}")
        return None
    return value


def _targets(value: Any, problems: _Problems) -> dict[str, Any]:
    targets = copy.deepcopy(DEFAULTS["targets"])
    if not isinstance(value, dict):
        problems.add("targets", "must be an object")
        return targets
    for name in TARGETS:
        key = f"{name}_minutes"
        targets[key] = _minutes(value.get(key), f"targets.{key}", problems)
    only = value.get("business_hours_only", True)
    if not isinstance(only, bool):
        problems.add("targets.business_hours_only", "must be true or false")
    else:
        targets["business_hours_only"] = only
    by_priority = value.get("by_priority") or {}
    if not isinstance(by_priority, dict):
        problems.add("targets.by_priority", "must be an object of priorities")
        return targets
    for priority, override in by_priority.items():
        field = f"targets.by_priority.{priority}"
        if priority not in tuple(Priority):
            problems.add(field, "is not a priority (low, normal, high, urgent)")
            continue
        if not isinstance(override, dict):
            problems.add(field, "must be an object")
            continue
        targets["by_priority"][priority] = {
            f"{name}_minutes": _minutes(
                override[f"{name}_minutes"], f"{field}.{name}_minutes", problems
            )
            for name in TARGETS
            if f"{name}_minutes" in override
        }
    return targets


def _section(
    value: Any, field: str, numbers: dict[str, tuple[int, int]], problems: _Problems
) -> dict[str, Any]:
    section = copy.deepcopy(DEFAULTS[field])
    if not isinstance(value, dict):
        problems.add(field, "must be an object")
        return section
    enabled = value.get("enabled", section["enabled"])
    if not isinstance(enabled, bool):
        problems.add(f"{field}.enabled", "must be true or false")
    else:
        section["enabled"] = enabled
    for name, (low, high) in numbers.items():
        number = value.get(name, section[name])
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            problems.add(f"{field}.{name}", f"must be a whole number from {low} to {high}")
        else:
            section[name] = number
    text = value.get("text")
    if text is not None and (not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_TEXT):
        problems.add(f"{field}.text", f"must be null or a text of 1 to {MAX_TEXT} characters")
    else:
        section["text"] = text.strip() if isinstance(text, str) else None
    return section
