"""First run without the network: well-formed bot tokens whose API cannot be reached (an
unreachable loopback port, never the internet), and a PostgreSQL server that is not there.
A real `helpdesk` process: a few English lines, no traceback, a clean exit within bounds."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_first_run import ROOT, run_helpdesk
from tests.test_serve import base_env, free_port

CYRILLIC = re.compile("[А-Яа-яЁё]")


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    port = free_port()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    return port


@pytest.mark.parametrize("command", [["migrate"], ["project", "list"], ["serve", "--port", "1"]])
def test_unreachable_postgres_is_one_line_naming_database_url(tmp_path, command):
    port = closed_port()
    code, err, took = run_helpdesk(
        *command,
        env_update={"DATABASE_URL": f"postgres://helpdesk:secret@127.0.0.1:{port}/helpdesk"},
        cwd=tmp_path,
    )
    assert code == 2
    assert err.strip().count("\n") == 0, err
    assert "DATABASE_URL" in err and f"127.0.0.1:{port}" in err
    assert "secret" not in err and "Traceback" not in err
    assert took < 20


def serve_and_stop(
    tmp_path: Path, env_update: dict[str, str], run_for: float, until: tuple[str, ...]
) -> tuple[str, float]:
    """`helpdesk serve --migrate` on SQLite for `run_for` seconds after it announced itself
    and logged `until`, then SIGTERM: (stderr, seconds the stop took)."""
    env = base_env(tmp_path)
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'bots.sqlite3'}"
    env["PYTHONPATH"] = str(ROOT)
    env.update(env_update)
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpdesk", "serve", "--migrate", "--port", str(free_port())],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        logged = "".join(lines)
        if all(text in logged for text in ("helpdesk serving", *until)):
            break
    logged = "".join(lines)
    assert all(text in logged for text in ("helpdesk serving", *until)), logged
    time.sleep(run_for)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, rest = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    took = time.monotonic() - started
    assert proc.returncode == 0, "".join(lines) + rest
    return "".join(lines) + rest, took


def test_telegram_token_without_network_says_what_is_missing_and_stops_cleanly(tmp_path):
    api = f"http://127.0.0.1:{closed_port()}"
    err, took = serve_and_stop(
        tmp_path,
        {"TELEGRAM_BOT_TOKEN": "123456:AAAA-well-formed", "TELEGRAM_API_BASE": api},
        run_for=2,
        until=("telegram polling could not start", "telegram getMe failed"),
    )
    assert "Traceback" not in err and "Event loop is closed" not in err, err
    assert "deep links are unavailable until it succeeds" in err
    assert "set TELEGRAM_BOT_USERNAME" in err and "using TELEGRAM_BOT_USERNAME" not in err
    assert err.count("telegram polling could not start") == 1, err  # once, not per retry
    assert took < 8


def test_max_token_without_network_logs_english_and_stops_cleanly(tmp_path):
    api = f"http://127.0.0.1:{closed_port()}"
    err, took = serve_and_stop(
        tmp_path,
        {"MAX_BOT_TOKEN": "max-well-formed", "MAX_API_BASE": api},
        run_for=3,
        until=("max polling could not start", "max getMe failed"),
    )
    assert "Traceback" not in err and "Event loop is closed" not in err, err
    assert not CYRILLIC.search(err), err
    assert "deep links are unavailable until it succeeds" in err and "set MAX_BOT_USERNAME" in err
    assert took < 8


def test_a_stop_during_start_leaves_no_traceback(tmp_path):
    """SIGTERM right after the bots began starting (aiohttp then never runs the cleanup
    contexts that did start): polling makes no call to the messenger during start."""
    api = f"http://127.0.0.1:{closed_port()}"
    env = base_env(tmp_path)
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'start.sqlite3'}"
    env.update(
        TELEGRAM_BOT_TOKEN="123456:AAAA-well-formed", TELEGRAM_API_BASE=api,
        MAX_BOT_TOKEN="max-well-formed", MAX_API_BASE=api,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpdesk", "serve", "--migrate", "--port", str(free_port())],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # the first bot line: the process is inside the bots' start
        seen.append(line)
        if "telegram" in line:
            break
    proc.send_signal(signal.SIGTERM)
    try:
        _, rest = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = "".join(seen) + rest
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Event loop is closed" not in err, err
