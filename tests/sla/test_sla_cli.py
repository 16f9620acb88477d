"""`helpdesk sla show|set` through the real command line entry point."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

SETTINGS = {
    "timezone": "Europe/Berlin",
    "business_hours": {"mon": [["09:00", "17:00"]]},
    "targets": {"first_response_minutes": 60},
}


def test_show_then_set_from_a_file(cli, tmp_path: Path):
    code, project, _ = cli("project", "create", "--name", "Sla", "--slug",
                           f"s-{uuid.uuid4().hex[:6]}")
    pid = project["id"]
    code, shown, _ = cli("sla", "show", "--project", pid)
    assert code == 0 and shown["targets"]["first_response_minutes"] is None
    path = tmp_path / "sla.json"
    path.write_text(json.dumps(SETTINGS))
    code, stored, _ = cli("sla", "set", "--project", pid, "--file", str(path))
    assert code == 0
    assert stored["business_hours"]["mon"] == [["09:00", "17:00"]]
    assert stored["business_hours"]["sun"] == []
    assert cli("sla", "show", "--project", pid)[1] == stored


def test_errors_are_one_line(cli, tmp_path: Path):
    code, project, _ = cli("project", "create", "--name", "Sla", "--slug",
                           f"s-{uuid.uuid4().hex[:6]}")
    pid = project["id"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**SETTINGS, "timezone": "Mars/Olympus"}))
    code, out, err = cli("sla", "set", "--project", pid, "--file", str(bad))
    assert code == 2 and out is None
    assert err == "helpdesk: error: timezone unknown time zone 'Mars/Olympus'\n"
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = cli("sla", "set", "--project", pid, "--file", str(broken))
    assert code == 2 and err.startswith("helpdesk: error: ") and err.count("\n") == 1
    code, _, err = cli("sla", "set", "--project", pid, "--file", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
    code, _, err = cli("sla", "show", "--project", str(uuid.uuid4()))
    assert code == 2 and "project not found" in err
