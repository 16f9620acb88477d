"""`helpdesk serve` as an operator runs it: a real process, health checks, clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def helpdesk(*args: str, env: dict[str, str], cwd: Path, **kw) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "helpdesk", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )


def wait_ready(url: str, proc: subprocess.Popen[str], timeout: float = 20) -> dict:
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError("serve did not become ready")


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MAX_"))}
    env["DATABASE_URL"] = TEST_DATABASE_URL or f"sqlite://{tmp_path / 'serve.sqlite3'}"
    env.pop("REDIS_URL", None)
    if TEST_REDIS_URL:
        env["REDIS_URL"] = TEST_REDIS_URL
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def test_serve_refuses_unmigrated_database(tmp_path):
    env = base_env(tmp_path)
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'fresh.sqlite3'}"
    proc = helpdesk("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "helpdesk migrate" in err and "Traceback" not in err


def test_serve_migrates_becomes_ready_and_stops_cleanly(tmp_path):
    env = base_env(tmp_path)
    port = free_port()
    proc = helpdesk("serve", "--port", str(port), "--migrate", env=env, cwd=tmp_path)
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/healthz", proc) == {"status": "ok"}
        ready = wait_ready(f"http://127.0.0.1:{port}/readyz", proc)
        assert ready["status"] == "ready"
        redis = True if TEST_REDIS_URL else "not configured"
        assert ready["checks"] == {"database": True, "redis": redis}
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        assert time.monotonic() - started < 5
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_readyz_reports_unreachable_redis(tmp_path):
    env = base_env(tmp_path)
    env["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    port = free_port()
    proc = helpdesk("serve", "--port", str(port), "--migrate", "--role", "api", env=env,
                    cwd=tmp_path)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5)
            raise AssertionError("readyz should fail without Redis")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
