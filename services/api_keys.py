"""API keys as a project's settings manage them: list by prefix, create (the key is shown
once), revoke — audited, in one transaction with the change.

How soon a revoked key stops working for REST: at once in the process that revoked it (its
key cache is dropped), and within `projects.KEY_CACHE_SECONDS` (5 s) in every other API
process, whose cached lookup of a valid key lives that long."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import ApiKey, Project
from services import audit, projects
from services.audit import Actor
from services.errors import NotFound
from services.serializers import iso

REVOKED_WITHIN_SECONDS = projects.KEY_CACHE_SECONDS


def api_key_view(key: ApiKey) -> dict[str, Any]:
    return {
        "prefix": key.prefix,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "revoked_at": iso(key.revoked_at),
        "active": key.revoked_at is None,
    }


async def list_api_keys(project: Project, *, include_revoked: bool = False) -> list[ApiKey]:
    """The project's keys, newest first (`last_used_at` is kept to the minute)."""
    query = ApiKey.filter(project_id=project.id)
    if not include_revoked:
        query = query.filter(revoked_at=None)
    return list(await query.order_by("-created_at"))


async def create_api_key(project: Project, actor: Actor) -> dict[str, Any]:
    """A new key; the result holds the key itself, which is never shown again."""
    async with in_transaction():
        raw = await projects.create_api_key(project)
        prefix = raw[: len(projects.API_KEY_PREFIX) + 8]
        await audit.record(
            project, actor, "api_key.created", target_type="api_key", target_id=prefix
        )
    key = await ApiKey.get(prefix=prefix)
    return {**api_key_view(key), "api_key": raw}


async def revoke_api_key(project: Project, actor: Actor, prefix: str) -> dict[str, Any]:
    """Revoke the project's active key with this prefix (with or without `hd_live_`)."""
    prefix = (prefix or "").strip()
    if not prefix.startswith(projects.API_KEY_PREFIX):
        prefix = projects.API_KEY_PREFIX + prefix
    async with in_transaction():
        await projects.revoke_api_key(project, prefix)
        await audit.record(
            project, actor, "api_key.revoked", target_type="api_key", target_id=prefix
        )
    key = await ApiKey.get_or_none(prefix=prefix, project_id=project.id)
    if key is None:  # revoke_api_key found it a moment ago
        raise NotFound(f"no API key {prefix}")
    return {**api_key_view(key), "stops_working_within_seconds": REVOKED_WITHIN_SECONDS}
