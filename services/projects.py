"""Projects (tenants), their API keys and settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from models import ApiKey, Project
from services import clock, sql
from services.errors import HelpdeskDisabled, InvalidApiKey, NotFound
from services.serializers import iso
from services.validation import invalid, parse_uuid
from services.webhook_security import ALLOW_HINT, Resolve, check_destination, system_resolve

log = logging.getLogger(__name__)

API_KEY_PREFIX = "hd_live_"
_ALPHABET = string.ascii_letters + string.digits
_LAST_USED = ApiKey._meta.fields_map["last_used_at"]
LAST_USED_GRANULARITY = timedelta(minutes=1)
SECRET_OVERLAP = timedelta(hours=24)


def random_token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def check_webhook_url(url: str | None) -> str | None:
    if url is None or url.strip() == "":
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("webhook_url", "must be an http:// or https:// URL")
    return url


async def check_webhook_destination(
    url: str | None, *, allow_private_networks: bool, resolve: Resolve = system_resolve
) -> str | None:
    """`check_webhook_url`, then the destination rule delivery applies (one rule,
    `services.webhook_security`): unless private networks are allowed, a URL whose host is
    or resolves to a non-public address is refused now rather than failing at every
    delivery. A name that does not resolve yet is accepted with a warning (its DNS may come
    later; delivery checks the addresses again on every connection)."""
    url = check_webhook_url(url)
    if url is None or allow_private_networks:
        return url
    refusal, warning = await check_destination(url, resolve)
    if refusal is not None:
        raise invalid("webhook_url", f"{refusal.removeprefix('refused: ')} ({ALLOW_HINT})")
    if warning is not None:
        log.warning("webhook_url accepted: %s", warning)
    return url


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:48] or "project"


def check_slug(slug: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,47}", slug):
        raise invalid("slug", "must be 1-48 characters of a-z, 0-9, '-' or '_'")
    return slug


def project_view(project: Project) -> dict[str, Any]:
    return {
        "id": str(project.id),
        "name": project.name,
        "description": project.description,
        "slug": project.slug,
        "helpdesk_enabled": project.helpdesk_enabled,
        "helpdesk_allow_create": project.helpdesk_allow_create,
        "rate_limit": project.rate_limit,
        "webhook_url": project.webhook_url,
        "webhook_disabled": project.webhook_disabled,
        "agent_chat_id": project.agent_chat_id,
        # telegram | max; lost: the bot was removed from it (its events wait in the outbox)
        "agent_chat_platform": str(project.agent_chat_platform)
        if project.agent_chat_id is not None
        else None,
        "agent_chat_lost": project.agent_chat_lost_at is not None,
        "created_at": iso(project.created_at),
    }


async def get_project(project_id: object) -> Project:
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        raise NotFound("project not found")
    return project


async def create_api_key(project: Project) -> str:
    """Make a key; only its hash is stored, the key itself is shown once."""
    prefix_part = random_token(8)
    raw = f"{API_KEY_PREFIX}{prefix_part}{random_token(32)}"
    prefix = API_KEY_PREFIX + prefix_part
    await ApiKey.create(project=project, prefix=prefix, key_hash=hash_key(raw))
    return raw


async def revoke_api_key(project: Project, prefix: str) -> None:
    if not prefix.startswith(API_KEY_PREFIX):
        prefix = API_KEY_PREFIX + prefix
    updated = await ApiKey.filter(project_id=project.id, prefix=prefix, revoked_at=None).update(
        revoked_at=clock.now()
    )
    forget_cached_keys()
    if not updated:
        raise NotFound(f"no active API key {prefix} in project {project.id}")


_KEY_AND_PROJECT = (
    "SELECT k.id AS k_id, k.key_hash AS k_key_hash, k.revoked_at AS k_revoked_at,"
    f" k.last_used_at AS k_last_used_at, {sql.columns(Project, 'p')}"
    " FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.prefix = $1"
)

# A valid key's lookup is reused for KEY_CACHE_SECONDS in this process: the key lookup was
# one database round trip (plus the pool's reset) on every API request. The price, stated in
# the README: a key revoked, or a project setting changed, from *another* process (the CLI,
# another API process) takes effect here within that window. Changes made through this
# process's own services (revoke_api_key, update_project, …) drop the cache at once. The
# key itself is still hashed and compared in constant time on every request; failures are
# never cached.
KEY_CACHE_SECONDS = 5.0
_KEY_CACHE_MAX = 10_000


@dataclass
class _CachedKey:
    key_id: Any
    key_hash: str
    project_row: dict[str, Any]
    last_used_at: datetime | None
    expires: float  # monotonic()


_key_cache: dict[str, _CachedKey] = {}


def forget_cached_keys() -> None:
    """Drop every cached key lookup (after a key or project change in this process)."""
    _key_cache.clear()


async def _lookup_key(prefix: str) -> _CachedKey | None:
    cached = _key_cache.get(prefix)
    if cached is not None and cached.expires > monotonic():
        return cached
    # one hand-written statement: the ORM's select_related join cost more CPU than the query
    row = await sql.fetch_one(_KEY_AND_PROJECT, prefix)
    if row is None or row["k_revoked_at"] is not None:
        _key_cache.pop(prefix, None)
        return None
    entry = _CachedKey(
        key_id=row.pop("k_id"),
        key_hash=row.pop("k_key_hash"),
        last_used_at=_LAST_USED.to_python_value(row.pop("k_last_used_at")),
        project_row={k: v for k, v in row.items() if k != "k_revoked_at"},
        expires=monotonic() + KEY_CACHE_SECONDS,
    )
    if KEY_CACHE_SECONDS > 0:
        if len(_key_cache) >= _KEY_CACHE_MAX:
            _key_cache.clear()
        _key_cache[prefix] = entry
    return entry


async def authenticate(raw_key: str | None) -> Project:
    """The project an API key belongs to; any failure is the same 401."""
    failure = InvalidApiKey("missing or invalid API key")
    if not raw_key or not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) < 16:
        raise failure
    key = await _lookup_key(raw_key[: len(API_KEY_PREFIX) + 8])
    if key is None:
        hmac.compare_digest(hash_key(raw_key), hash_key(raw_key))  # same work either way
        raise failure
    if not hmac.compare_digest(key.key_hash, hash_key(raw_key)):
        raise failure
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRANULARITY:
        await ApiKey.filter(id=key.key_id).update(last_used_at=now)
        key.last_used_at = now
    # a fresh instance per request: callers may change theirs without touching the cache
    return Project._init_from_db(**key.project_row)


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Whom a REST request acts for: the project its API key opens. The API keeps this for
    the request and hands `project` to the use cases as it is."""

    project: Project


async def api_caller(raw_key: str | None) -> ApiCaller:
    """`authenticate` for the REST API (any failure is the same 401)."""
    return ApiCaller(await authenticate(raw_key))


def ensure_helpdesk_enabled(project: Project) -> None:
    """The project's helpdesk is switched on (the REST API checks this on every call)."""
    if not project.helpdesk_enabled:
        raise HelpdeskDisabled("the helpdesk is disabled for this project")


async def create_project(
    *,
    name: str,
    description: str = "",
    slug: str | None = None,
    webhook_url: str | None = None,
    allow_private_networks: bool = False,
) -> tuple[Project, str]:
    name = (name or "").strip()
    if not name:
        raise invalid("name", "is required")
    if len(name) > 200:
        raise invalid("name", "must be at most 200 characters")
    webhook_url = await check_webhook_destination(
        webhook_url, allow_private_networks=allow_private_networks
    )
    if slug is not None:
        slug = check_slug(slug)
        if await Project.exists(slug=slug):
            raise invalid("slug", f"{slug!r} is already taken")
    else:
        base = slugify(name)
        slug = base
        while await Project.exists(slug=slug):
            slug = f"{base}-{random_token(4).lower()}"
    async with in_transaction():
        project = await Project.create(
            id=uuid.uuid4(),
            name=name,
            description=description or "",
            slug=slug,
            webhook_url=webhook_url,
            webhook_secret=new_webhook_secret(),
        )
        api_key = await create_api_key(project)
    return project, api_key


async def update_project(
    project_id: object, *, allow_private_networks: bool = False, **changes: Any
) -> Project:
    """Apply the given settings (keys whose value is None are left alone);
    `allow_private_networks` is the operator's WEBHOOK_ALLOW_PRIVATE_NETWORKS, for the
    webhook URL's check."""
    project = await get_project(project_id)
    fields = await checked_changes(
        project, allow_private_networks=allow_private_networks, **changes
    )
    if fields:
        await save_changes(project, fields)
    return project


async def checked_changes(
    project: Project, *, allow_private_networks: bool = False, **changes: Any
) -> dict[str, Any]:
    """The settings `changes` as they would be stored (None values dropped), each checked;
    the first invalid one raises `ValidationFailed` and nothing is stored."""
    fields: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "name":
            value = value.strip()
            if not value or len(value) > 200:
                raise invalid("name", "must be 1-200 characters")
        elif key == "webhook_url":
            value = await check_webhook_destination(
                value, allow_private_networks=allow_private_networks
            )
            fields["webhook_disabled"] = False  # a (re)set URL resumes delivery
        elif key == "rate_limit":
            if value < 0:
                raise invalid("rate_limit", "must be 0 (no limit) or more")
        elif key == "slug":
            value = check_slug(value)
            if await Project.filter(slug=value).exclude(id=project.id).exists():
                raise invalid("slug", f"{value!r} is already taken")
        elif key == "webhook_disabled":
            pass  # a plain flag: set by delivery on 410, cleared by `webhooks enable`
        elif key not in ("description", "helpdesk_enabled", "helpdesk_allow_create"):
            raise invalid(key, "is not a project setting")
        fields[key] = value
    return fields


async def save_changes(project: Project, fields: dict[str, Any]) -> None:
    """Store checked settings (`checked_changes`) on the project."""
    for key, value in fields.items():
        setattr(project, key, value)
    await project.save(update_fields=[*fields, "updated_at"])
    forget_cached_keys()


async def rotate_webhook_secret(project_id: object) -> Project:
    """New secret; the old one keeps signing too for 24 h, so receivers can switch over."""
    project = await get_project(project_id)
    project.webhook_previous_secret = project.webhook_secret
    project.webhook_previous_secret_until = clock.now() + SECRET_OVERLAP
    project.webhook_secret = new_webhook_secret()
    await project.save()
    forget_cached_keys()
    return project


async def list_projects() -> list[Project]:
    return list(await Project.all().order_by("created_at"))


async def find_project_by_slug(slug: str) -> Project | None:
    return await Project.get_or_none(slug=slug)
