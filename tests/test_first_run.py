"""First-run mistakes an operator makes, as a real `helpdesk` process meets them: one line on
stderr naming the setting, exit code 2, within seconds (never a hang or a traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_helpdesk(*args: str, env_update: dict[str, str], cwd: Path) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MAX_"))}
    env.pop("REDIS_URL", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(env_update)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "helpdesk", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    return proc.returncode, proc.stderr, time.monotonic() - started


@pytest.mark.parametrize("command", [["migrate"], ["project", "list"], ["serve", "--port", "1"]])
def test_sqlite_file_in_a_missing_folder_is_one_line(tmp_path, command):
    code, err, took = run_helpdesk(
        *command, env_update={"DATABASE_URL": "sqlite://missing_dir/x.sqlite3"}, cwd=tmp_path
    )
    assert code == 2
    assert err.strip().count("\n") == 0, err
    assert "DATABASE_URL" in err and "missing_dir/x.sqlite3" in err
    assert "Traceback" not in err
    assert took < 30  # it hung for 10+ minutes before; the bound only catches a hang
    assert not (tmp_path / "missing_dir").exists()


@pytest.mark.parametrize("token", ["notatoken", "123456:", "abc:def", "123: spaced"])
def test_malformed_telegram_token_is_one_line_naming_the_setting(tmp_path, token):
    code, err, took = run_helpdesk(
        "serve", "--port", "1",
        env_update={"TELEGRAM_BOT_TOKEN": token, "DATABASE_URL": f"sqlite://{tmp_path / 'x.db'}"},
        cwd=tmp_path,
    )
    assert code == 2
    assert err.strip().count("\n") == 0, err
    assert err.startswith("helpdesk: error: invalid setting TELEGRAM_BOT_TOKEN")
    secret = token.partition(":")[2] or token
    assert secret.strip() not in err  # the token is not echoed into logs
    assert took < 30
