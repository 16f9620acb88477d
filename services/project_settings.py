"""Project settings as the console changes them: each change checked, stored and written to
the audit log in one transaction; the permanent help links (`help_<slug>`) of a project."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import Project
from services import audit, projects
from services.audit import Actor
from services.customer_entry import HELP_LINK_PREFIX
from services.requests import BotLinks
from services.validation import invalid

# what this page changes; the webhook has its own use cases (services.webhook_settings)
SETTINGS = (
    "name",
    "description",
    "slug",
    "helpdesk_enabled",
    "helpdesk_allow_create",
    "rate_limit",
)
MAX_DESCRIPTION = 2000
# start payload limits: Telegram takes 1-64 of [A-Za-z0-9_-]; MAX up to 128 characters
TELEGRAM_PAYLOAD_MAX = 64
MAX_PAYLOAD_MAX = 128


async def update_settings(project_id: object, actor: Actor, **changes: Any) -> Project:
    """Apply the given settings (None = leave alone). A changed slug changes the help links:
    links handed out with the old slug stop opening this project."""
    project = await projects.get_project(project_id)
    for key in changes:
        if key not in SETTINGS:
            raise invalid(key, "is not a project setting")
    description = changes.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise invalid("description", f"must be at most {MAX_DESCRIPTION} characters")
    fields = await projects.checked_changes(project, **changes)
    if "slug" in fields:
        help_payload(fields["slug"])  # check_slug keeps it short; this states the rule
    before = {key: getattr(project, key) for key in fields}
    changed = audit.diff(before, fields)
    if not changed:
        return project
    async with in_transaction():
        await projects.save_changes(project, {k: fields[k] for k in changed})
        await audit.record(
            project,
            actor,
            "project.updated",
            target_type="project",
            target_id=project.id,
            changes=changed,
        )
    return project


def help_payload(slug: str) -> str:
    """The start payload of a project's permanent link, within both messengers' limits."""
    payload = f"{HELP_LINK_PREFIX}{slug}"
    if len(payload) > min(TELEGRAM_PAYLOAD_MAX, MAX_PAYLOAD_MAX):
        raise invalid("slug", "is too long for a messenger start link")
    return payload


def help_links(project: Project, links: BotLinks) -> dict[str, Any]:
    """The project's permanent deep links: None for a messenger without a configured bot
    (`missing` says which setting is missing)."""
    payload = help_payload(project.slug)
    return {
        "payload": payload,
        "telegram": links.telegram_link(payload),
        "max": links.max_link(payload),
        "missing": links.missing_hint(None),
    }
