"""`helpdesk webhooks …` through the real command line entry point."""

from __future__ import annotations

import uuid


def test_webhooks_commands(cli):
    code, project, _ = cli(
        "project", "create", "--name", "Hooks", "--slug", f"h-{uuid.uuid4().hex[:6]}",
        "--webhook-url", "https://example.com/hook",
    )
    assert code == 0
    pid = project["id"]
    code, listing, _ = cli("webhooks", "deliveries", "--project", pid, "--failed")
    assert code == 0 and listing["deliveries"] == [] and listing["webhook_disabled"] is False
    code, rotated, _ = cli("webhooks", "rotate-secret", "--project", pid)
    assert code == 0 and rotated["webhook_secret"].startswith("whsec_")
    assert rotated["webhook_secret"] != project["webhook_secret"]
    assert rotated["previous_secret_valid_until"] is not None
    code, enabled, _ = cli("webhooks", "enable", "--project", pid)
    assert code == 0 and enabled == {"project_id": pid, "webhook_disabled": False, "pending": 0}


def test_webhooks_commands_refuse_unknown_ids(cli):
    code, out, err = cli("webhooks", "replay", str(uuid.uuid4()))
    assert code == 2 and out is None and "not found" in err
    code, out, err = cli("webhooks", "deliveries", "--project", "nope")
    assert code == 2 and "not found" in err


def test_webhooks_events_shows_chooses_and_clears(cli):
    code, project, _ = cli("project", "create", "--name", "Filters")
    pid = project["id"]
    code, shown, _ = cli("webhooks", "events", "--project", pid)
    assert code == 0 and shown["events"] is None
    code, chosen, _ = cli(
        "webhooks", "events", "--project", pid, "--only", "ticket.replied, ticket.created"
    )
    assert code == 0 and chosen["events"] == ["ticket.created", "ticket.replied"]
    assert cli("webhooks", "events", "--project", pid)[1]["events"] == chosen["events"]
    code, out, err = cli("webhooks", "events", "--project", pid, "--only", "ticket.nope")
    assert code == 2 and out is None and "events" in err and "ticket.nope" in err
    code, audit, _ = cli("audit", "list", "--project", pid)
    assert code == 0
    entry = next(e for e in audit["entries"] if e["action"] == "webhook.events_set")
    assert entry["actor"] == "cli"
    code, cleared, _ = cli("webhooks", "events", "--project", pid, "--all")
    assert code == 0 and cleared["events"] is None
    assert cli("webhooks", "events", "--project", pid)[1]["events"] is None
