"""`helpdesk` usage as a real process (#20 item 15): `--version`, one-line usage errors, and
one wording for an unknown project whichever way its id was mistyped."""

from __future__ import annotations

import subprocess
import sys
import uuid
from importlib import metadata
from pathlib import Path

import pytest

from tests.test_first_run import ROOT, run_helpdesk

SEE_HELP = "(see 'helpdesk --help')"


def test_version_is_one_line_on_stdout(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "helpdesk", "--version"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"helpdesk {metadata.version('messenger-helpdesk')}\n"
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--bogus"], f"helpdesk: error: unrecognized arguments: --bogus {SEE_HELP}"),
        ([], f"helpdesk: error: a command is required {SEE_HELP}"),
        (["nosuch"], "helpdesk: error: argument command: invalid choice: 'nosuch'"),
        (
            ["project"],
            "helpdesk: error: 'helpdesk project' needs a command "
            "(see 'helpdesk project --help')",
        ),
        (["serve", "--role", "x"], "helpdesk: error: argument --role: invalid choice: 'x'"),
        (
            ["project", "update", "x", "--rate-limit", "many"],
            "helpdesk: error: argument --rate-limit: invalid int value: 'many'",
        ),
        (
            ["project", "list", "extra"],
            f"helpdesk: error: unrecognized arguments: extra {SEE_HELP}",
        ),
    ],
)
def test_usage_errors_are_one_line_with_a_pointer_to_help(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    code, err, took = run_helpdesk(
        *argv, env_update={"DATABASE_URL": f"sqlite://{tmp_path / 'x.sqlite3'}"}, cwd=tmp_path
    )
    assert code == 2
    assert err.count("\n") == 1, err  # one line, no argparse usage block
    assert err.startswith(expected), err
    assert err.rstrip().endswith("--help')") and "usage:" not in err
    assert took < 30


def test_an_unknown_project_reads_the_same_however_it_was_given(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'x.sqlite3'}"}
    assert run_helpdesk("migrate", env_update=env, cwd=tmp_path)[0] == 0
    missing = str(uuid.uuid4())
    for argv in (
        ["project", "update", missing, "--name", "Y"],
        ["project", "update", "not-an-id", "--name", "Y"],
        ["apikey", "create", "--project", missing],
        ["agent-chat", "code", "--project", missing],
        ["agent", "list", "--project", "nope"],
    ):
        code, err, _ = run_helpdesk(*argv, env_update=env, cwd=tmp_path)
        assert (code, err) == (2, "helpdesk: error: project not found\n"), argv
