"""docker-compose.yml runs the production layout (no Docker engine here: checked as YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # PyYAML: installed with the dev tools (a dependency of schemathesis)

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def services() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document["services"]


def test_compose_runs_api_x2_bots_and_workers_x2_on_one_postgres_and_redis() -> None:
    found = services()
    assert {"postgres", "redis", "migrate", "api", "bots", "workers"} <= set(found)
    roles = {name: found[name]["command"] for name in ("api", "bots", "workers")}
    assert roles == {
        name: ["helpdesk", "serve", "--role", name] for name in ("api", "bots", "workers")
    }
    assert found["api"]["deploy"]["replicas"] == 2
    assert found["workers"]["deploy"]["replicas"] == 2
    assert found["migrate"]["command"] == ["helpdesk", "migrate"]
    for name in ("api", "bots", "workers"):
        service = found[name]
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["LOG_FORMAT"] == "json"
        # the migration finishes before any process starts; shutdown has room for 10 s
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["stop_signal"] == "SIGTERM"
        assert int(service["stop_grace_period"].rstrip("s")) > 10
        assert "/readyz" in " ".join(service["healthcheck"]["test"])


def test_compose_publishes_ports_on_loopback_only_and_the_bots_can_take_webhooks() -> None:
    found = services()
    published = {name: found[name].get("ports", []) for name in found}
    assert published["api"] and published["bots"]  # webhook mode needs the bots reachable
    for name, ports in published.items():
        for port in ports:
            # /metrics shares the port: only a proxy on the host reaches it
            assert str(port).startswith("127.0.0.1:"), (name, port)
