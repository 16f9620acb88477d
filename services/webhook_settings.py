"""The webhook as a project's settings manage it: the URL (checked at once with delivery's
SSRF rules), the signing secret (revealed on request, rotated with 24 h of both
signatures), the event types the endpoint takes, a test event through the outbox, the
delivery log with replay, and resuming an endpoint disabled by a 410. Changes and reveals
are written to the audit log."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import OutboxEvent, Project
from models.enums import DeliveryStatus
from services import audit, clock, notify_events, outbox, projects, webhooks
from services.audit import Actor
from services.errors import Conflict, NotFound
from services.serializers import iso
from services.validation import invalid, parse_uuid

TEST_EVENT = outbox.TEST_EVENT
MAX_LOG_PAGE = 200
# every event type a project may choose (`webhook.test` is always sent, so not a choice)
EVENT_TYPES = (*outbox.EVENTS, *notify_events.EVENTS)


def webhook_view(project: Project) -> dict[str, Any]:
    """The webhook settings, without the secret."""
    now = clock.now()
    overlap = project.webhook_previous_secret_until
    return {
        "project_id": str(project.id),
        "webhook_url": project.webhook_url,
        "webhook_disabled": project.webhook_disabled,
        "previous_secret_valid_until": iso(overlap) if overlap and overlap > now else None,
        "events": list(project.webhook_events) if project.webhook_events else None,
    }


def check_events(events: object) -> list[str] | None:
    """The event types a project takes, as stored: None (or an empty list) for every type,
    else the known names without repeats, in `EVENT_TYPES` order. An unknown name, or
    anything but a list of strings, is an `events` validation error."""
    if events is None:
        return None
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        raise invalid("events", "must be null or a list of event type names")
    unknown = sorted({e for e in events if e not in EVENT_TYPES})
    if unknown:
        raise invalid(
            "events",
            f"unknown event type {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
        )
    chosen = set(events)
    return [e for e in EVENT_TYPES if e in chosen] or None


async def set_events(project_id: object, actor: Actor, events: object) -> dict[str, Any]:
    """Choose the event types the endpoint takes (None or []: every type). Events of other
    types are closed unsent by the webhook worker (`outbox.wanted`), those already waiting
    too. Audited when it changes."""
    chosen = check_events(events)
    project = await projects.get_project(project_id)
    before = list(project.webhook_events) if project.webhook_events else None
    if before != chosen:
        await _save_audited(
            project,
            actor,
            {"webhook_events": chosen},
            "webhook.events_set",
            {"events": [before, chosen]},
        )
    return webhook_view(project)


async def get_webhook(project_id: object) -> dict[str, Any]:
    """The webhook settings (no secret)."""
    return webhook_view(await projects.get_project(project_id))


async def set_webhook_url(
    project_id: object, actor: Actor, url: str | None, *, allow_private_networks: bool = False
) -> dict[str, Any]:
    """Set the URL ("" or None removes the webhook); a refused destination is a
    `webhook_url` validation error and nothing is stored. Setting it resumes delivery."""
    project = await projects.get_project(project_id)
    url = await projects.check_webhook_destination(
        url, allow_private_networks=allow_private_networks
    )
    fields = {"webhook_url": url, "webhook_disabled": False}
    changed = audit.diff({k: getattr(project, k) for k in fields}, fields)
    if changed:
        await _save_audited(project, actor, fields, "webhook.url_set", changed)
    return webhook_view(project)


async def reveal_secret(project_id: object, actor: Actor) -> dict[str, Any]:
    """The signing secret (and the previous one while it still signs); the reveal is
    audited, since whoever reads it can sign as the product."""
    project = await projects.get_project(project_id)
    now = clock.now()
    previous_valid = (
        project.webhook_previous_secret is not None
        and project.webhook_previous_secret_until is not None
        and project.webhook_previous_secret_until > now
    )
    await audit.record(project, actor, "webhook.secret_revealed", target_type="webhook")
    return {
        **webhook_view(project),
        "webhook_secret": project.webhook_secret,
        "previous_secret": project.webhook_previous_secret if previous_valid else None,
    }


async def rotate_secret(project_id: object, actor: Actor) -> dict[str, Any]:
    """A new secret; the old one goes on signing too for 24 h (`projects.SECRET_OVERLAP`),
    so a receiver can switch over. The result shows the new secret once."""
    async with in_transaction():
        project = await projects.rotate_webhook_secret(project_id)
        await audit.record(
            project,
            actor,
            "webhook.secret_rotated",
            target_type="webhook",
            changes={"webhook_secret": [audit.SECRET, audit.SECRET]},
        )
    return {**webhook_view(project), "webhook_secret": project.webhook_secret}


async def send_test_event(project_id: object, actor: Actor) -> dict[str, Any]:
    """Queue a `webhook.test` event through the outbox (signed and retried like any event);
    its delivery shows in the log. Refused without a URL or while the endpoint is disabled."""
    project = await projects.get_project(project_id)
    if not project.webhook_url:
        raise invalid("webhook_url", "is not set: there is nowhere to send a test event")
    if project.webhook_disabled:
        raise Conflict("the endpoint is disabled after a 410: re-enable it first")
    async with in_transaction():
        event = await outbox.record_project_event(
            project.id, TEST_EVENT, test=True, requested_by=actor.kind
        )
        await audit.record(
            project, actor, "webhook.test_sent", target_type="webhook_event", target_id=event.id
        )
    return webhooks.event_view(event)


async def delivery_log(
    project_id: object, *, failed_only: bool = False, limit: int = 50
) -> dict[str, Any]:
    """Recent events, newest first, each with status, attempt count, next try and every
    attempt (time, response code or error, duration); `failed_only` keeps events given up
    on or failing now."""
    if not 1 <= limit <= MAX_LOG_PAGE:
        raise invalid("limit", f"must be 1-{MAX_LOG_PAGE}")
    return await webhooks.list_deliveries(project_id, failed_only=failed_only, limit=limit)


async def replay(project_id: object, actor: Actor, event_id: object) -> dict[str, Any]:
    """Send one of the project's events again, with the same `webhook-id`."""
    project = await projects.get_project(project_id)
    event = await OutboxEvent.get_or_none(
        id=parse_uuid(event_id, what="event"), project_id=project.id
    )
    if event is None:
        raise NotFound("event not found")
    async with in_transaction():
        view = await webhooks.replay_event(event.id)
        await audit.record(
            project, actor, "webhook.replayed", target_type="webhook_event", target_id=event.id
        )
    return view


async def replay_by_id(actor: Actor, event_id: object) -> dict[str, Any]:
    """`replay` for a caller that names the event alone (the CLI)."""
    event = await OutboxEvent.get_or_none(id=parse_uuid(event_id, what="event"))
    if event is None:
        raise NotFound("event not found")
    return await replay(event.project_id, actor, event.id)


async def reenable(project_id: object, actor: Actor) -> dict[str, Any]:
    """Resume delivery to an endpoint disabled by a 410 (its pending events go out in
    order); an endpoint that is not disabled is left as it is (no audit entry)."""
    project = await projects.get_project(project_id)
    if project.webhook_disabled:
        changes = {"webhook_disabled": [True, False]}
        await _save_audited(
            project, actor, {"webhook_disabled": False}, "webhook.reenabled", changes
        )
    pending = await OutboxEvent.filter(project_id=project.id, status=DeliveryStatus.PENDING).count()
    return {"project_id": str(project.id), "webhook_disabled": False, "pending": pending}


async def _save_audited(
    project: Project, actor: Actor, values: dict[str, Any], action: str, changes: dict[str, Any]
) -> None:
    """The project's webhook settings saved and the change audited, in one transaction."""
    async with in_transaction():
        await projects.save_changes(project, values)
        await audit.record(project, actor, action, target_type="webhook", changes=changes)
