"""`helpdesk console link` as a script uses it (API.md "Console sign-in")."""

from __future__ import annotations

import re

from tests.test_cli import cli  # noqa: F401


def test_console_link_prints_the_url_and_its_lifetime(cli, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CONSOLE_BASE_URL", "https://desk.example/")
    assert cli("migrate")[0] == 0
    code, project, _ = cli("project", "create", "--name", "Acme")
    assert code == 0
    code, link, _ = cli("console", "link", "--project", project["id"])
    assert code == 0 and link["expires_in"] == 900
    assert re.fullmatch(r"https://desk\.example/console/login/[A-Za-z0-9_-]{40,}", link["url"])
    code, agent, _ = cli("agent", "add", "--project", project["id"], "--name", "Kate")
    code, viewer, _ = cli(
        "console", "link", "--project", project["id"], "--agent", agent["id"], "--role", "viewer"
    )
    assert code == 0 and viewer["url"] != link["url"]
    code, out, err = cli("console", "link", "--project", project["id"], "--role", "boss")
    assert code == 2 and out is None and "invalid choice" in err
    code, out, err = cli("console", "link", "--project", project["id"], "--agent", "nope")
    assert code == 2 and "agent" in err
