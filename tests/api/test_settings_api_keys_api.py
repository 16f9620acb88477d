"""API keys through the settings use cases, checked against the REST API itself."""

from __future__ import annotations

import pytest

from models import ApiKey, AuditEntry
from services import api_keys, clock, projects
from services.audit import CLI
from services.errors import NotFound


async def test_created_key_works_is_listed_by_prefix_and_stops_at_once_when_revoked(api):
    created = await api_keys.create_api_key(api.project, CLI)
    raw = created["api_key"]
    assert raw.startswith(created["prefix"]) and created["active"] is True
    assert (await api.get("/tickets", key=raw)).status == 200
    listed = [api_keys.api_key_view(k) for k in await api_keys.list_api_keys(api.project)]
    mine = next(k for k in listed if k["prefix"] == created["prefix"])
    assert mine["last_used_at"] is not None  # the request above used it
    assert all("api_key" not in k and "key_hash" not in k for k in listed)  # shown once

    revoked = await api_keys.revoke_api_key(api.project, CLI, created["prefix"])

    assert revoked["active"] is False
    assert revoked["stops_working_within_seconds"] == projects.KEY_CACHE_SECONDS
    # this process dropped its key cache: the very next request is refused
    reply = await api.get("/tickets", key=raw)
    assert reply.status == 401 and reply.body["code"] == "invalid_api_key"
    assert (await api.get("/tickets")).status == 200  # the project's other key still works
    assert [k.prefix for k in await api_keys.list_api_keys(api.project)] != [created["prefix"]]
    with_revoked = await api_keys.list_api_keys(api.project, include_revoked=True)
    assert created["prefix"] in [k.prefix for k in with_revoked]
    assert [e.action for e in await AuditEntry.filter(project_id=api.project.id)] == [
        "api_key.created",
        "api_key.revoked",
    ]


async def test_revoking_an_unknown_or_foreign_key_changes_nothing(api, other):
    theirs = await api_keys.create_api_key(other.project, CLI)
    with pytest.raises(NotFound):
        await api_keys.revoke_api_key(api.project, CLI, theirs["prefix"])
    with pytest.raises(NotFound):
        await api_keys.revoke_api_key(api.project, CLI, "nope")
    assert (await ApiKey.get(prefix=theirs["prefix"])).revoked_at is None
    assert await AuditEntry.filter(project_id=api.project.id).count() == 0
    assert (await other.get("/tickets", key=theirs["api_key"])).status == 200


async def test_a_key_revoked_by_another_process_stops_within_the_cache_window(api, monkeypatch):
    """The documented bound: another API process keeps a valid key's lookup for
    KEY_CACHE_SECONDS, so a revoke from the CLI or another process takes that long there."""
    now = [1000.0]
    monkeypatch.setattr(projects, "monotonic", lambda: now[0])
    projects.forget_cached_keys()
    assert (await api.get("/tickets")).status == 200  # the lookup is cached now
    # what another process's revoke does to this one: the row changes, the cache stays
    await ApiKey.filter(project_id=api.project.id).update(revoked_at=clock.now())
    now[0] += projects.KEY_CACHE_SECONDS - 0.5
    assert (await api.get("/tickets")).status == 200
    now[0] += 0.6
    assert (await api.get("/tickets")).status == 401
