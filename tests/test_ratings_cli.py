"""`helpdesk ratings show|set|report` as a script uses it: JSON out, one line and exit 2 on
errors, nothing written by a refused command."""

from __future__ import annotations

import uuid

from tests.test_cli import cli  # noqa: F401


def test_show_set_and_report(cli) -> None:  # noqa: F811
    assert cli("migrate")[0] == 0
    slug = f"a-{uuid.uuid4().hex[:6]}"
    code, project, _ = cli("project", "create", "--name", "Acme", "--slug", slug)
    pid = project["id"]
    assert cli("ratings", "show", "--project", pid)[1] == {
        "enabled": False, "ask_when_customer_closes": False, "question": None,
    }
    code, changed, _ = cli("ratings", "set", "--project", pid, "--enabled", "true",
                           "--question", "How did we do?")
    assert code == 0
    assert changed == {"enabled": True, "ask_when_customer_closes": False,
                       "question": "How did we do?"}
    code, changed, _ = cli("ratings", "set", "--project", pid,
                           "--ask-when-customer-closes", "yes", "--question", "")
    assert changed == {"enabled": True, "ask_when_customer_closes": True, "question": None}
    code, report, _ = cli("ratings", "report", "--project", pid, "--from", "2026-11-01",
                          "--to", "2026-11-30")
    assert code == 0 and report["count"] == 0 and report["from"] == "2026-11-01"


def test_refusals_are_one_line_and_write_nothing(cli) -> None:  # noqa: F811
    assert cli("migrate")[0] == 0
    slug = f"b-{uuid.uuid4().hex[:6]}"
    code, project, _ = cli("project", "create", "--name", "Acme", "--slug", slug)
    pid = project["id"]
    for argv, message in [
        (("ratings", "show", "--project", "nope"), "project not found"),
        (("ratings", "set", "--project", str(uuid.uuid4()), "--enabled", "true"),
         "project not found"),
        (("ratings", "set", "--project", pid, "--enabled", "maybe"), "expected true or false"),
        (("ratings", "set", "--project", pid, "--question", "x" * 1001),
         "question must be at most"),
        (("ratings", "report", "--project", pid, "--from", "2026-11-31"), "from must be a date"),
        (("ratings",), "'helpdesk ratings' needs a command"),
    ]:
        code, out, err = cli(*argv)
        assert code == 2 and out is None, argv
        assert message in err and err.count("\n") == 1, (argv, err)
    assert cli("ratings", "show", "--project", pid)[1]["enabled"] is False
