"""The SLA, canned-reply and ratings settings write audit entries like every other setting,
and reports measure durations in business hours once a project has them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models import AuditEntry, Project, Ticket
from services import canned_replies, ratings, reports, service_levels, tickets
from services.audit import CLI, Actor
from services.errors import ValidationFailed

FRIDAY_1630 = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
MONDAY_0930 = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
WEEKDAYS_9_TO_5 = {
    "timezone": "UTC",
    "business_hours": {
        **{day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        "sat": [],
        "sun": [],
    },
}


async def actions(project: Project) -> list[tuple[str, str]]:
    entries = await AuditEntry.filter(project_id=project.id).order_by("id")
    return [(entry.action, entry.actor) for entry in entries]


async def test_feature_settings_are_audited_with_who_changed_them(project: Project) -> None:
    console_agent = Actor("agent", None, "Olga")
    await service_levels.put_settings(project.id, WEEKDAYS_9_TO_5, actor=console_agent)
    await service_levels.put_settings(project.id, WEEKDAYS_9_TO_5, actor=console_agent)
    await ratings.change_settings(project.id, enabled=True, actor=CLI)
    reply = await canned_replies.create_reply(
        project, canned_replies.CannedReplyInput(code="hi", title="Hello", text="Hi!")
    )
    await canned_replies.update_reply(
        project, reply.id, canned_replies.CannedReplyInput(title="Hello there"), actor=CLI
    )
    await canned_replies.delete_reply(project, reply.id, actor=CLI)
    assert await actions(project) == [
        ("service_levels.changed", "agent"),  # the same document again changes nothing
        ("ratings.settings_changed", "cli"),
        ("canned_reply.created", "api"),
        ("canned_reply.changed", "cli"),
        ("canned_reply.removed", "cli"),
    ]
    sla = await AuditEntry.get(project_id=project.id, action="service_levels.changed")
    assert set(sla.changes) == {"business_hours"}  # only what changed (timezone was UTC)
    assert sla.actor_name == "Olga"
    changed = await AuditEntry.get(project_id=project.id, action="canned_reply.changed")
    assert changed.changes == {"title": ["Hello", "Hello there"]}


async def test_a_refused_setting_writes_no_audit_entry(project: Project) -> None:
    bad = {**WEEKDAYS_9_TO_5, "timezone": "Mars/Olympus"}
    with pytest.raises(ValidationFailed):
        await service_levels.put_settings(project.id, bad, actor=CLI)
    with pytest.raises(ValidationFailed):
        await canned_replies.create_reply(
            project, canned_replies.CannedReplyInput(code="Bad Code", title="x", text="y")
        )
    assert await actions(project) == []


async def test_reports_count_first_response_in_business_hours(
    project: Project, frozen_clock
) -> None:
    frozen_clock.at = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="hello"))
    await Ticket.filter(id=ticket.id).update(
        created_at=FRIDAY_1630, first_response_at=MONDAY_0930
    )
    span = reports.period(start=date(2026, 12, 1), end=date(2026, 12, 7))
    wall = await reports.ticket_report(project, span)
    assert wall["measure"] == "wall_clock"
    wall_seconds = (MONDAY_0930 - FRIDAY_1630).total_seconds()
    assert wall["total"]["first_response_seconds"]["median"] == wall_seconds

    await service_levels.put_settings(project.id, WEEKDAYS_9_TO_5, actor=CLI)
    business = await reports.ticket_report(project, span)
    assert business["measure"] == "business_hours"
    # Friday 16:30–17:00 and Monday 09:00–09:30: one business hour
    assert business["total"]["first_response_seconds"]["median"] == 3600
