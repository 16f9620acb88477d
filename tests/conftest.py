"""Shared fixtures. The suite runs on SQLite by default, on PostgreSQL with TEST_DATABASE_URL.

TEST_REDIS_URL (optional) points Redis-backed parts (rate limits, FSM, buckets) at a server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tortoise import Tortoise

from helpdesk.db import tortoise_config
from models import Project
from services import clock
from services.projects import create_project

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith(("postgres", "asyncpg")))


def database_url(tmp_path: Path) -> str:
    return TEST_DATABASE_URL or f"sqlite://{tmp_path / 'test.sqlite3'}"


async def reset_schema() -> None:
    """Empty tables (PostgreSQL keeps one schema for the run; SQLite gets a fresh file)."""
    if not ON_POSTGRES:
        return
    conn = Tortoise.get_connection("default")
    tables = [m._meta.db_table for m in Tortoise.apps["helpdesk"].values()]
    await conn.execute_script(f"TRUNCATE {', '.join(tables)} CASCADE")


_migrated: set[str] = set()


async def migrate_database(url: str) -> None:
    from tortoise.migrations.api.migrate import migrate

    await migrate(config=tortoise_config(url))
    await Tortoise.close_connections()


_SQLITE_TEMPLATE: list[Path] = []  # a migrated SQLite file, made once per run


async def fresh_sqlite_copy(target: Path) -> None:
    """A migrated SQLite database at `target`: the migrations run once per test run into a
    template file that every test copies (running ten migrations per test cost seconds)."""
    if not _SQLITE_TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="helpdesk-template-")) / "template.sqlite3"
        await migrate_database(f"sqlite://{template}")
        _SQLITE_TEMPLATE.append(template)
    shutil.copyfile(_SQLITE_TEMPLATE[0], target)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database with Tortoise initialised; yields its URL."""
    url = database_url(tmp_path)
    if not TEST_DATABASE_URL:
        await fresh_sqlite_copy(tmp_path / "test.sqlite3")
    elif url not in _migrated:
        await migrate_database(url)
        if ON_POSTGRES:
            _migrated.add(url)
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    await reset_schema()
    try:
        yield url
    finally:
        await Tortoise.close_connections()
        clock.set_clock(clock.Clock())


@pytest.fixture
def frozen_clock() -> clock.FrozenClock:
    frozen = clock.FrozenClock()
    clock.set_clock(frozen)
    return frozen


@pytest.fixture
async def project(db: str) -> Project:
    created, _ = await create_project(name="Acme Support", description="We help with Acme")
    return created


@pytest.fixture
async def project_with_key(db: str) -> tuple[Project, str]:
    return await create_project(name=f"Project {uuid.uuid4().hex[:6]}")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """`helpdesk …` in-process on a migrated database of its own (this test's on
    PostgreSQL): `cli("canned", "list", …)` → (exit code, parsed JSON stdout, stderr).
    Test modules that need another environment define their own `cli`."""
    import json

    from helpdesk.cli import main

    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite://{tmp_path / 'cli.sqlite3'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read

    def run(*argv: str) -> tuple[int, object, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    assert run("migrate")[0] == 0
    return run
