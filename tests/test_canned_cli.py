"""`helpdesk canned add|list|update|remove` through the real command line entry point."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def project_id(cli) -> str:
    code, project, _ = cli("project", "create", "--name", "Canned", "--slug",
                           f"c-{uuid.uuid4().hex[:6]}")
    assert code == 0
    return project["id"]


def test_canned_lifecycle(cli, project_id):
    code, added, err = cli("canned", "add", "--project", project_id, "--code", "thanks",
                           "--title", "Thanks", "--text", "Thank you, {customer.first_name}!")
    assert code == 0, err
    assert added["code"] == "thanks" and added["text"] == "Thank you, {customer.first_name}!"
    cli("canned", "add", "--project", project_id, "--code", "bye", "--title", "Bye",
        "--text", "Bye")

    code, listing, _ = cli("canned", "list", "--project", project_id)
    assert code == 0 and [r["code"] for r in listing] == ["bye", "thanks"]

    code, updated, _ = cli("canned", "update", added["id"], "--project", project_id,
                           "--text", "Thanks from {agent.name}")
    assert code == 0
    assert (updated["code"], updated["title"], updated["text"]) == (
        "thanks", "Thanks", "Thanks from {agent.name}",
    )
    code, removed, _ = cli("canned", "remove", added["id"], "--project", project_id)
    assert code == 0 and removed == {"removed": added["id"]}
    assert [r["code"] for r in cli("canned", "list", "--project", project_id)[1]] == ["bye"]


def test_canned_errors_are_one_line(cli, project_id):
    args = ("canned", "add", "--project", project_id, "--title", "T")
    cli(*args, "--code", "dup", "--text", "x")
    cases = [
        ((*args, "--code", "dup", "--text", "x"), "already used"),
        ((*args, "--code", "Bad!", "--text", "x"), "code must match"),
        ((*args, "--code", "ok", "--text", "Hi {customer.age}"), "unknown variable"),
        (("canned", "remove", str(uuid.uuid4()), "--project", project_id), "not found"),
        (("canned", "list", "--project", str(uuid.uuid4())), "not found"),
        (("canned", "add", "--project", project_id), "required"),
    ]
    for argv, words in cases:
        code, out, err = cli(*argv)
        assert code == 2 and out is None, argv
        assert words in err and err.count("\n") == 1, (argv, err)
