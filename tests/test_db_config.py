"""The database configuration: PostgreSQL's pool skips asyncpg's per-release reset query."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from helpdesk.db import tortoise_config
from tests.conftest import ON_POSTGRES


def test_postgres_pool_gets_the_quiet_reset_hook():
    conn = tortoise_config("postgresql://u:p@db.example:6432/hd?maxsize=10")["connections"][
        "default"
    ]
    assert conn["engine"] == "tortoise.backends.asyncpg"
    creds = conn["credentials"]
    assert (creds["host"], creds["port"], creds["user"], creds["password"]) == (
        "db.example",
        6432,
        "u",
        "p",
    )
    assert creds["database"] == "hd" and creds["maxsize"] == "10"
    assert callable(creds["reset"])


def test_sqlite_gets_the_immediate_transaction_engine_and_a_busy_timeout():
    conn = tortoise_config("sqlite:///tmp/helpdesk.sqlite3")["connections"]["default"]
    assert conn["engine"] == "helpdesk.sqlite_engine"
    assert conn["credentials"]["file_path"] == "/tmp/helpdesk.sqlite3"
    assert conn["credentials"]["busy_timeout"] == 5000
    # a busy timeout in the URL wins
    conn = tortoise_config("sqlite:///tmp/h.sqlite3?busy_timeout=100")["connections"]["default"]
    assert conn["credentials"]["busy_timeout"] == "100"


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's file lock between two processes")
async def test_sqlite_write_after_another_process_committed_waits_instead_of_failing(db):
    """A transaction that reads, then writes after another process committed, used to fail at
    once with "database is locked" (a deferred BEGIN cannot upgrade a stale snapshot): an
    agent's /connect was lost while the CLI wrote beside the server."""
    from tortoise.transactions import in_transaction

    from models import Project
    from services.projects import create_project

    project, _ = await create_project(name="Locks")
    project_id = project.id
    path = db.removeprefix("sqlite://")

    def other_process_writes() -> None:  # the CLI: its own connection, its own commit
        other = sqlite3.connect(path, timeout=5)
        other.execute("UPDATE projects SET description = 'cli' WHERE id = ?", (str(project_id),))
        other.commit()
        other.close()

    async with in_transaction():
        await Project.get(id=project_id)  # the read that pins the snapshot
        writer = threading.Thread(target=other_process_writes)
        writer.start()
        await asyncio.sleep(0.2)  # the other writer now waits for our lock, or has committed
        await Project.filter(id=project_id).update(name="Locks 2")
    writer.join(timeout=10)
    project = await Project.get(id=project_id)
    assert (project.name, project.description) == ("Locks 2", "cli")


async def test_released_connections_keep_working(db):
    # many statements outside a transaction: each takes and releases a pool connection
    from models import Project

    for _ in range(20):
        assert await Project.all().count() >= 0
