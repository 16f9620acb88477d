"""The database configuration: PostgreSQL's pool skips asyncpg's per-release reset query."""

from __future__ import annotations

from helpdesk.db import tortoise_config


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


def test_sqlite_url_is_passed_as_is():
    url = "sqlite:///tmp/helpdesk.sqlite3"
    assert tortoise_config(url)["connections"]["default"] == url


async def test_released_connections_keep_working(db):
    # many statements outside a transaction: each takes and releases a pool connection
    from models import Project

    for _ in range(20):
        assert await Project.all().count() >= 0
