"""The `helpdesk` command as a script uses it: JSON on stdout, exit 2 and one line on errors."""

from __future__ import annotations

import json
import os
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
    monkeypatch.chdir(tmp_path)  # no stray .env is read

    def run(*argv: str) -> tuple[int, object, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    return run


def test_commands_refuse_an_unmigrated_database(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path / 'empty.sqlite3'}")
    code, out, err = cli("project", "list")
    assert code == 2 and out is None
    assert "helpdesk migrate" in err


def test_project_lifecycle(cli):
    assert cli("migrate")[0] == 0
    slug = f"acme-{uuid.uuid4().hex[:6]}"
    code, project, _ = cli("project", "create", "--name", "Acme", "--slug", slug,
                           "--webhook-url", "https://example.com/hook")
    assert code == 0
    assert project["slug"] == slug and project["api_key"].startswith("hd_live_")
    assert project["webhook_secret"].startswith("whsec_")
    pid = project["id"]

    code, updated, _ = cli("project", "update", pid, "--helpdesk-enabled", "false",
                           "--rate-limit", "0", "--webhook-url", "")
    assert code == 0
    assert updated["helpdesk_enabled"] is False and updated["rate_limit"] == 0
    assert updated["webhook_url"] is None and "api_key" not in updated

    code, listing, _ = cli("project", "list")
    assert pid in [p["id"] for p in listing]

    code, key, _ = cli("apikey", "create", "--project", pid)
    assert code == 0 and key["api_key"].startswith("hd_live_")
    prefix = key["api_key"][: len("hd_live_") + 8]
    assert cli("apikey", "revoke", "--project", pid, prefix)[0] == 0
    code, _, err = cli("apikey", "revoke", "--project", pid, prefix)
    assert code == 2 and "no active API key" in err

    code, ttype, _ = cli("ticket-type", "create", "--project", pid, "--name", "Bug",
                         "--description", "Broken things")
    assert code == 0 and ttype["name"] == "Bug" and ttype["position"] == 0
    code, ttype2, _ = cli("ticket-type", "update", ttype["id"], "--active", "false")
    assert code == 0 and ttype2["active"] is False

    code, agent, _ = cli("agent", "add", "--project", pid, "--name", "Bob",
                         "--telegram-user-id", "777", "--username", "@bob")
    assert code == 0 and agent["username"] == "bob"
    code, agents, _ = cli("agent", "list", "--project", pid)
    assert [a["id"] for a in agents] == [agent["id"]]
    code, _, err = cli("agent", "add", "--project", pid, "--name", "Bob2",
                       "--telegram-user-id", "777")
    assert code == 2 and "already" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (("project", "create"), "--name"),
        (("project", "create", "--name", "  "), "name"),
        (("project", "create", "--name", "X", "--webhook-url", "ftp://x"), "webhook_url"),
        (("project", "create", "--name", "X", "--slug", "Bad Slug!"), "slug"),
        (("project", "update", str(uuid.uuid4()), "--name", "Y"), "not found"),
        (("project", "update", "not-an-id", "--name", "Y"), "not found"),
        (("apikey", "create", "--project", str(uuid.uuid4())), "not found"),
        (("ticket-type", "create", "--project", str(uuid.uuid4()), "--name", "B"), "not found"),
        (("agent", "list", "--project", "nope"), "not found"),
        (("project", "update", str(uuid.uuid4()), "--helpdesk-enabled", "maybe"), "true or false"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(cli, argv, message):
    assert cli("migrate")[0] == 0
    before = cli("project", "list")[1]
    code, out, err = cli(*argv)
    assert code == 2 and out is None
    assert message in err and "Traceback" not in err
    assert cli("project", "list")[1] == before


def test_demo_project_is_created_once_with_a_fresh_key_each_time(cli):
    assert cli("migrate")[0] == 0
    code, first, _ = cli("demo", "--port", "9999")
    code2, second, _ = cli("demo")
    assert code == code2 == 0
    assert first["project_id"] == second["project_id"]
    assert first["api_key"] != second["api_key"]
    assert "127.0.0.1:9999/v1/helpdesk/tickets" in first["try"]
    # the first click lands in the console: a one-time sign-in link for the demo's owner
    assert first["console"].startswith("http://127.0.0.1:9999/console/login/")
    assert first["console"] != second["console"]


def test_bad_setting_is_one_clear_line(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    code, _, err = cli("project", "list")
    assert code == 2
    assert err.strip().splitlines() == [
        "helpdesk: error: invalid setting DATABASE_URL: "
        "Value error, must start with sqlite://, postgres:// or postgresql://"
    ]
    monkeypatch.setenv("DATABASE_URL", os.environ.get("TEST_DATABASE_URL", "sqlite://x.sqlite3"))
    monkeypatch.setenv("HTTP_PORT", "notaport")
    code, _, err = cli("project", "list")
    assert code == 2 and "HTTP_PORT" in err
