"""The settings commands through the real command line entry point: JSON out, one-line
errors, each change in the audit log as the "cli" actor."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest

from helpdesk.cli import main
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    url = TEST_DATABASE_URL or f"sqlite://{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "acme_bot")
    monkeypatch.delenv("MAX_BOT_USERNAME", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str, raw: bool = False) -> tuple[int, object, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        if raw:
            return code, out, err
        return code, (json.loads(out) if out.strip() else None), err

    assert run("migrate")[0] == 0
    return run


@pytest.fixture
def project_id(cli) -> str:
    code, project, _ = cli(
        "project", "create", "--name", "Acme", "--slug", f"a-{uuid.uuid4().hex[:8]}"
    )
    assert code == 0
    return project["id"]


def test_ticket_types_list_reorder_and_audit(cli, project_id):
    _, question, _ = cli("ticket-type", "create", "--project", project_id, "--name", "Question")
    _, bug, _ = cli("ticket-type", "create", "--project", project_id, "--name", "Bug")
    code, off, _ = cli("ticket-type", "update", bug["id"], "--active", "false", "--name", "Bugs")
    assert code == 0 and (off["name"], off["active"]) == ("Bugs", False)
    code, listed, _ = cli("ticket-type", "list", "--project", project_id)
    assert code == 0 and [(t["name"], t["active"]) for t in listed] == [
        ("Question", True),
        ("Bugs", False),
    ]
    code, active, _ = cli("ticket-type", "list", "--project", project_id, "--active-only")
    assert [t["name"] for t in active] == ["Question"]
    code, ordered, _ = cli(
        "ticket-type", "reorder", "--project", project_id, bug["id"], question["id"]
    )
    assert code == 0 and [t["name"] for t in ordered] == ["Bugs", "Question"]
    code, out, err = cli("ticket-type", "reorder", "--project", project_id, bug["id"])
    assert code == 2 and out is None and err.count("\n") == 1
    assert "every ticket type" in err
    code, log, _ = cli("audit", "list", "--project", project_id)
    assert [e["action"] for e in log["entries"]] == [
        "ticket_type.reordered",
        "ticket_type.deactivated",
        "ticket_type.renamed",
        "ticket_type.added",
        "ticket_type.added",
    ]
    assert {e["actor"] for e in log["entries"]} == {"cli"}


def test_apikey_list_and_revoke(cli, project_id):
    code, created, _ = cli("apikey", "create", "--project", project_id)
    assert code == 0 and created["api_key"].startswith(created["prefix"])
    code, keys, _ = cli("apikey", "list", "--project", project_id)
    assert code == 0 and created["prefix"] in [k["prefix"] for k in keys]
    assert all("api_key" not in k for k in keys) and len(keys) == 2  # the project's first key
    assert cli("apikey", "revoke", "--project", project_id, created["prefix"])[0] == 0
    _, keys, _ = cli("apikey", "list", "--project", project_id)
    assert created["prefix"] not in [k["prefix"] for k in keys]
    _, every, _ = cli("apikey", "list", "--project", project_id, "--all")
    assert [k["active"] for k in every if k["prefix"] == created["prefix"]] == [False]


def test_agent_role_and_remove(cli, project_id):
    _, owner, _ = cli("agent", "add", "--project", project_id, "--name", "Olga", "--role", "owner")
    _, bob, _ = cli("agent", "add", "--project", project_id, "--name", "Bob")
    assert (owner["role"], owner["origin"], bob["role"]) == ("owner", "manual", "agent")
    code, changed, _ = cli("agent", "role", "--project", project_id, bob["id"], "admin")
    assert code == 0 and changed["role"] == "admin"
    code, out, err = cli("agent", "role", "--project", project_id, bob["id"], "boss")
    assert code == 2 and out is None and "invalid choice" in err
    code, out, err = cli("agent", "remove", "--project", project_id, owner["id"])
    assert (
        code == 2
        and out is None
        and err.strip() == "helpdesk: error: agent_id the project's last owner cannot be removed"
    )
    code, removed, _ = cli("agent", "remove", "--project", project_id, bob["id"])
    assert code == 0 and removed == {"id": bob["id"], "removed": True, "unassigned_tickets": 0}
    _, listed, _ = cli("agent", "list", "--project", project_id)
    assert [a["name"] for a in listed] == ["Olga"]
    code, _, err = cli("agent", "remove", "--project", project_id, bob["id"])
    assert code == 2 and "agent not found" in err


def test_webhook_show_secret_and_test_event(cli, project_id):
    code, out, err = cli("webhooks", "test", "--project", project_id)
    assert code == 2 and out is None and "webhook_url is not set" in err
    code, shown, _ = cli("webhooks", "show-secret", "--project", project_id)
    assert code == 0 and shown["webhook_secret"].startswith("whsec_")
    assert shown["previous_secret"] is None
    code, rotated, _ = cli("webhooks", "rotate-secret", "--project", project_id)
    _, shown, _ = cli("webhooks", "show-secret", "--project", project_id)
    assert shown["webhook_secret"] == rotated["webhook_secret"]
    assert shown["previous_secret"] not in (None, rotated["webhook_secret"])
    cli("project", "update", project_id, "--webhook-url", "https://example.com/hook")
    code, queued, _ = cli("webhooks", "test", "--project", project_id)
    assert code == 0 and queued["event"] == "webhook.test" and queued["status"] == "pending"
    code, log, _ = cli("webhooks", "deliveries", "--project", project_id)
    assert [d["id"] for d in log["deliveries"]] == [queued["id"]]


def test_refused_webhook_url_leaves_other_settings_unchanged(cli, project_id):
    code, out, err = cli(
        "project", "update", project_id, "--name", "Renamed", "--webhook-url", "http://10.1.2.3/x"
    )
    assert code == 2 and out is None and "WEBHOOK_ALLOW_PRIVATE_NETWORKS" in err
    _, projects, _ = cli("project", "list")
    assert [p["name"] for p in projects if p["id"] == project_id] == ["Acme"]
    _, log, _ = cli("audit", "list", "--project", project_id)
    assert log["entries"] == []


def test_agent_chat_status_code_unbind(cli, project_id):
    code, status, _ = cli("agent-chat", "status", "--project", project_id)
    assert code == 0 and status["bound"] is False
    code, issued, _ = cli("agent-chat", "code", "--project", project_id)
    assert code == 0 and issued["connect"].startswith("/connect ")
    code, out, err = cli("agent-chat", "unbind", "--project", project_id)
    assert code == 2 and out is None and "no agent chat is bound" in err


def test_report_json_and_csv(cli, project_id):
    code, report, _ = cli("report", "--project", project_id, "--days", "7")
    assert code == 0 and len(report["per_day"]) == 7 and report["total"]["created"] == 0
    code, text, _ = cli("report", "--project", project_id, "--days", "30", "--csv", raw=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert code == 0 and len([r for r in rows if r["section"] == "day"]) == 30
    code, out, err = cli("report", "--project", project_id, "--days", "5")
    assert code == 2 and out is None and "days must be one of: 7, 30, 90" in err
    code, out, err = cli("report", "--project", project_id, "--from", "2026-02-30")
    assert code == 2 and out is None and "from must be a date" in err


def test_project_links_with_qr(cli, project_id):
    _, projects, _ = cli("project", "list")
    slug = next(p["slug"] for p in projects if p["id"] == project_id)
    code, links, _ = cli("project", "links", project_id, "--qr")
    assert code == 0 and links["telegram"] == f"https://t.me/acme_bot?start=help_{slug}"
    assert links["max"] is None and "MAX_BOT_USERNAME" in links["missing"]
    assert links["telegram_qr_svg"].startswith("<svg") and links["max_qr_svg"] is None
