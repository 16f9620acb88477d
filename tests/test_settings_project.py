"""Project settings, ticket types and the audit log through their use cases: each change is
audited; invalid input is refused and nothing is written."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from models import AuditEntry, Project, TicketType
from services import audit, project_settings, ticket_types
from services.audit import CLI, Actor
from services.errors import NotFound, ValidationFailed
from services.qr import qr_svg
from services.requests import BotLinks


async def entries(project: Project) -> list[AuditEntry]:
    return list(await AuditEntry.filter(project_id=project.id).order_by("id"))


async def test_update_settings_stores_and_audits_the_change(project):
    updated = await project_settings.update_settings(
        project.id, CLI, name="Acme Help", slug="acme-help", rate_limit=0
    )
    stored = await Project.get(id=project.id)
    assert (stored.name, stored.slug, stored.rate_limit) == ("Acme Help", "acme-help", 0)
    assert updated.slug == "acme-help"
    [entry] = await entries(project)
    assert entry.actor == "cli" and entry.action == "project.updated"
    assert entry.changes == {
        "name": ["Acme Support", "Acme Help"],
        "slug": [project.slug, "acme-help"],
        "rate_limit": [300, 0],
    }


async def test_unchanged_settings_write_no_entry(project):
    await project_settings.update_settings(project.id, CLI, name=project.name)
    assert await entries(project) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "-dash"}, "slug"),
        ({"slug": "x" * 49}, "slug"),
        ({"name": "  "}, "name"),
        ({"rate_limit": -1}, "rate_limit"),
        ({"description": "d" * 2001}, "description"),
        ({"webhook_url": "https://example.com"}, "webhook_url"),  # its own use case
        ({"name": "Fine", "slug": "UPPER"}, "slug"),  # one bad field refuses all
    ],
)
async def test_invalid_settings_are_refused_and_nothing_is_written(project, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        await project_settings.update_settings(project.id, CLI, **changes)
    assert (refused.value.details or [{}])[0]["field"] == field
    stored = await Project.get(id=project.id)
    assert (stored.name, stored.slug, stored.description) == (
        project.name, project.slug, project.description,
    )
    assert await entries(project) == []


async def test_a_taken_slug_is_refused(project):
    other = await Project.create(name="Other", slug="taken", webhook_secret="whsec_x")
    with pytest.raises(ValidationFailed, match="already taken"):
        await project_settings.update_settings(project.id, CLI, slug=other.slug)
    assert (await Project.get(id=project.id)).slug == project.slug


async def test_help_links_for_both_messengers_and_their_qr_codes(project):
    await project_settings.update_settings(project.id, CLI, slug="acme")
    project = await Project.get(id=project.id)
    links = project_settings.help_links(project, BotLinks(telegram="acme_bot", max="acme_max"))
    assert links["payload"] == "help_acme"
    assert links["telegram"] == "https://t.me/acme_bot?start=help_acme"
    assert links["max"] == "https://max.ru/acme_max?start=help_acme"
    # the longest slug still fits Telegram's 64-character start payload
    assert len(project_settings.help_payload("a" * 48)) <= 64
    missing = project_settings.help_links(project, BotLinks(telegram="acme_bot"))
    assert missing["max"] is None and "MAX_BOT_USERNAME" in missing["missing"]
    svg = ET.fromstring(qr_svg(links["telegram"]))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert qr_svg(links["telegram"]) != qr_svg(links["max"])
    with pytest.raises(ValidationFailed):
        qr_svg("")


# --- ticket types -----------------------------------------------------------------------


async def test_ticket_types_add_rename_describe_reorder_deactivate(project):
    actor = Actor("agent", uuid.uuid4(), "Olga")
    question = await ticket_types.add_ticket_type(project, actor, name="Question")
    bug = await ticket_types.add_ticket_type(project, actor, name="Bug", description="Broken")
    assert (question.position, bug.position) == (0, 1)
    await ticket_types.rename_ticket_type(project, actor, bug.id, "Bug report")
    await ticket_types.describe_ticket_type(project, actor, bug.id, "Something is broken")
    await ticket_types.reorder_ticket_types(project, actor, [bug.id, question.id])
    await ticket_types.set_ticket_type_active(project, actor, question.id, False)
    listed = await ticket_types.list_ticket_types(project)
    assert [(t.name, t.position, t.active) for t in listed] == [
        ("Bug report", 0, True),
        ("Question", 1, False),  # inactive types are listed too
    ]
    assert listed[0].description == "Something is broken"
    await ticket_types.set_ticket_type_active(project, actor, question.id, True)
    assert (await TicketType.get(id=question.id)).active is True
    actions = [e.action for e in await entries(project)]
    assert actions == [
        "ticket_type.added",
        "ticket_type.added",
        "ticket_type.renamed",
        "ticket_type.described",
        "ticket_type.reordered",
        "ticket_type.deactivated",
        "ticket_type.reactivated",
    ]
    renamed = (await entries(project))[2]
    assert renamed.changes == {"name": ["Bug", "Bug report"]}
    assert (renamed.actor, renamed.actor_name) == ("agent", "Olga")


async def test_invalid_ticket_type_changes_are_refused_and_nothing_is_written(project):
    kept = await ticket_types.add_ticket_type(project, CLI, name="Question")
    before = await entries(project)
    refusals = [
        ticket_types.add_ticket_type(project, CLI, name=""),
        ticket_types.add_ticket_type(project, CLI, name="x" * 101),
        ticket_types.add_ticket_type(project, CLI, name="question"),  # same name, any case
        ticket_types.add_ticket_type(project, CLI, name="Ok", description="d" * 501),
        ticket_types.rename_ticket_type(project, CLI, kept.id, " "),
        ticket_types.reorder_ticket_types(project, CLI, []),
        ticket_types.reorder_ticket_types(project, CLI, [kept.id, kept.id]),
        ticket_types.reorder_ticket_types(project, CLI, ["not-an-id"]),
    ]
    for refusal in refusals:
        with pytest.raises(ValidationFailed):
            await refusal
    assert [t.name for t in await ticket_types.list_ticket_types(project)] == ["Question"]
    assert len(await entries(project)) == len(before)


async def test_another_projects_ticket_type_is_not_found(project):
    other = await Project.create(name="Other", slug="other-tt", webhook_secret="whsec_x")
    theirs = await ticket_types.add_ticket_type(other, CLI, name="Theirs")
    with pytest.raises(NotFound):
        await ticket_types.rename_ticket_type(project, CLI, theirs.id, "Mine now")
    with pytest.raises(ValidationFailed):  # not one of this project's types
        await ticket_types.reorder_ticket_types(project, CLI, [theirs.id])
    assert (await TicketType.get(id=theirs.id)).name == "Theirs"


# --- the audit log ----------------------------------------------------------------------


async def test_audit_log_pages_newest_first(project):
    for n in range(5):
        await audit.record(project, CLI, f"test.{n}", target_type="test")
    first = await audit.list_entries(project, limit=2)
    assert [e["action"] for e in first["entries"]] == ["test.4", "test.3"]
    second = await audit.list_entries(project, limit=2, before=first["next_before"])
    assert [e["action"] for e in second["entries"]] == ["test.2", "test.1"]
    last = await audit.list_entries(project, limit=2, before=second["next_before"])
    assert [e["action"] for e in last["entries"]] == ["test.0"]
    assert last["next_before"] is None
    with pytest.raises(ValidationFailed):
        await audit.list_entries(project, limit=0)
