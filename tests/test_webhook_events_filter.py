"""A project's webhook event filter (`Project.webhook_events`): the choice is validated and
audited, and the real worker sends the chosen types to a local receiver while closing the
others unsent (`disabled`, "event type not taken by the endpoint")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from models import AuditEntry, OutboxEvent, Project, WebhookAttempt
from models.enums import Channel, DeliveryStatus
from services import housekeeping, outbox, subscribers, tickets, webhook_settings
from services.audit import CLI
from services.errors import ValidationFailed
from tests.test_settings_webhook import Receiver, hooked, receiver, worker

__all__ = ["hooked", "receiver", "worker"]  # the fixtures, shared with the settings tests


def sent_events(receiver: Receiver) -> list[str]:
    return [json.loads(r["body"])["event"] for r in receiver.requests]


async def test_events_are_checked_ordered_and_audited(project):
    view = await webhook_settings.set_events(
        project.id, CLI, ["ticket.replied", "button.clicked", "ticket.created", "ticket.replied"]
    )
    # known names, no repeats, in the published order
    assert view["events"] == ["ticket.created", "ticket.replied", "button.clicked"]
    assert (await Project.get(id=project.id)).webhook_events == view["events"]
    assert (await webhook_settings.get_webhook(project.id))["events"] == view["events"]
    # the same choice again writes no second entry
    await webhook_settings.set_events(project.id, CLI, ["ticket.created", "ticket.replied",
                                                        "button.clicked"])
    entries = await AuditEntry.filter(project_id=project.id, action="webhook.events_set")
    assert len(entries) == 1 and entries[0].actor == "cli"
    assert entries[0].changes == {"events": [None, view["events"]]}
    # [] is every type, like null
    assert (await webhook_settings.set_events(project.id, CLI, []))["events"] is None
    assert (await Project.get(id=project.id)).webhook_events is None


@pytest.mark.parametrize(
    "events", [["ticket.created", "ticket.nope"], ["webhook.test"], "ticket.created", [1]]
)
async def test_unknown_or_malformed_events_are_refused_and_nothing_changes(project, events):
    await webhook_settings.set_events(project.id, CLI, ["ticket.closed"])
    with pytest.raises(ValidationFailed) as refused:
        await webhook_settings.set_events(project.id, CLI, events)
    assert [d["field"] for d in refused.value.details or []] == ["events"]
    assert (await Project.get(id=project.id)).webhook_events == ["ticket.closed"]


async def test_filtered_ticket_events_are_closed_unsent_and_the_rest_delivered(
    hooked, receiver, worker, frozen_clock
):
    await webhook_settings.set_events(hooked.id, CLI, ["ticket.status_changed"])
    ticket = await tickets.create_ticket(hooked, tickets.NewTicket(text="Help"))
    await tickets.change_status(hooked, ticket.id, "in_progress")
    await worker.run_once()
    # ticket.created was filtered out; the status change behind it in the ticket's order
    # still went out
    assert sent_events(receiver) == ["ticket.status_changed"]
    created = await OutboxEvent.get(event="ticket.created")
    assert created.status == DeliveryStatus.DISABLED
    assert created.last_error == outbox.FILTERED and created.attempts == 0
    assert not await WebhookAttempt.filter(event_id=created.id).exists()
    changed = await OutboxEvent.get(event="ticket.status_changed")
    assert changed.status == DeliveryStatus.DELIVERED
    # the delivery log says why
    log = await webhook_settings.delivery_log(hooked.id)
    assert {d["event"]: d["last_error"] for d in log["deliveries"]}["ticket.created"] == (
        outbox.FILTERED
    )
    # filtered events are pruned like delivered ones
    frozen_clock.advance(seconds=timedelta(days=8).total_seconds())
    assert await housekeeping.prune_outbox() == (1, 2, 0)


async def test_notify_events_follow_the_filter_and_the_test_event_always_goes(
    hooked, receiver, worker
):
    await webhook_settings.set_events(hooked.id, CLI, ["subscription.cancelled"])
    subscriber = await subscribers.ensure_subscriber(hooked.id, Channel.TELEGRAM, 4242)
    await subscribers.end_subscription(subscriber.id, "api")
    await webhook_settings.send_test_event(hooked.id, CLI)
    await worker.run_once()
    assert sorted(sent_events(receiver)) == ["subscription.cancelled", "webhook.test"]
    created = await OutboxEvent.get(event="subscription.created")
    assert created.status == DeliveryStatus.DISABLED and created.last_error == outbox.FILTERED


async def test_every_type_goes_out_again_once_the_filter_is_cleared(hooked, receiver, worker):
    await webhook_settings.set_events(hooked.id, CLI, ["ticket.closed"])
    await tickets.create_ticket(hooked, tickets.NewTicket(text="First"))
    await worker.run_once()
    assert sent_events(receiver) == []
    await webhook_settings.set_events(hooked.id, CLI, None)
    await tickets.create_ticket(hooked, tickets.NewTicket(text="Second"))
    await worker.run_once()
    assert sent_events(receiver) == ["ticket.created"]
    assert json.loads(receiver.requests[0]["body"])["data"]["message"]["text"] == "Second"


async def test_a_filter_set_while_events_wait_applies_to_them(hooked, receiver, worker):
    await tickets.create_ticket(hooked, tickets.NewTicket(text="Waiting"))
    await webhook_settings.set_events(hooked.id, CLI, ["ticket.replied"])
    assert await worker.run_once() == 1
    assert receiver.requests == []
    assert (await OutboxEvent.get()).last_error == outbox.FILTERED


async def test_without_a_url_the_reason_stays_no_url(project, worker, frozen_clock):
    await webhook_settings.set_events(project.id, CLI, ["ticket.replied"])
    await tickets.create_ticket(project, tickets.NewTicket(text="Help"))
    await worker.run_once()
    assert (await OutboxEvent.get()).last_error == outbox.NO_URL
