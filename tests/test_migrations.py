"""Migrations build the schema from nothing, and match the models (no pending changes)."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from helpdesk.db import APP_LABEL, pending_migrations, tortoise_config


async def test_migrations_from_nothing(tmp_path):
    url = f"sqlite://{tmp_path / 'fresh.sqlite3'}"
    assert await pending_migrations(url)  # an empty database needs all of them
    from helpdesk.db import apply_migrations

    applied = await apply_migrations(url)
    assert applied and applied[0] == "0001_initial"
    assert await pending_migrations(url) == []


async def test_migrated_database_needs_nothing_more(db):
    # `db` migrated the test database (SQLite or PostgreSQL)
    assert await pending_migrations(db) == []


async def test_models_match_committed_migrations(db):
    config = tortoise_config(db)
    await Tortoise.init(config=config)
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])
    writers = await detector.changes()
    assert [w.name for w in writers] == [], (
        "models changed without a migration: run `make migrations`"
    )
    assert APP_LABEL in config["apps"]
