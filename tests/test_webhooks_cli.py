"""`helpdesk webhooks …` through the real command line entry point."""

from __future__ import annotations

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
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, object, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    assert run("migrate")[0] == 0
    return run


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
