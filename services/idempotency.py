"""Idempotency keys: a POST repeated with the same key does its work once.

The unique (project, key) row is the lock: whoever inserts it first runs the request and
then stores the response; a duplicate that arrives meanwhile waits briefly for that
response. Only successful responses are kept — a failed request changed nothing (its
transaction rolled back), so releasing the key lets the client retry it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from models import IdempotencyRecord
from services import clock
from services.errors import IdempotencyConflict
from services.validation import invalid

TTL = timedelta(hours=24)
# A running record older than this belongs to a process that died mid-request.
STALE_AFTER = timedelta(seconds=60)
WAIT_FOR_FIRST = 5.0  # seconds a duplicate waits for the first request to finish
POLL_EVERY = 0.05
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Stored:
    """The first request's response, to be replayed."""

    status: int
    body: Any


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise invalid("Idempotency-Key", f"must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    """Fingerprint of what was asked; JSON is canonicalised so key order does not matter."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


async def begin(project_id: uuid.UUID, key: str, fingerprint: str) -> IdempotencyRecord | Stored:
    """Claim the key (→ the record to finish later) or get the response to replay.

    Raises IdempotencyConflict for another body under the same key, or when the first
    request is still running after WAIT_FOR_FIRST seconds.
    """
    deadline = asyncio.get_running_loop().time() + WAIT_FOR_FIRST
    while True:
        now = clock.now()
        try:
            return await IdempotencyRecord.create(
                project_id=project_id, key=key, request_hash=fingerprint, expires_at=now + TTL
            )
        except IntegrityError:
            pass  # someone holds the key: what they stored decides, below
        existing = await IdempotencyRecord.get_or_none(project_id=project_id, key=key)
        if existing is None:
            continue  # released between our insert and our read: try again
        if existing.expires_at <= now:
            await IdempotencyRecord.filter(id=existing.id, expires_at__lte=now).delete()
            continue
        if existing.request_hash != fingerprint:
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request"
            )
        if existing.status_code is not None:
            return Stored(existing.status_code, existing.response_body)
        if now - existing.created_at >= STALE_AFTER:
            taken = await IdempotencyRecord.filter(
                id=existing.id, status_code=None, created_at=existing.created_at
            ).update(created_at=now, expires_at=now + TTL)
            if taken:
                existing.created_at = now
                return existing
            continue
        if asyncio.get_running_loop().time() >= deadline:
            raise IdempotencyConflict(
                "a request with this Idempotency-Key is still in progress; retry later"
            )
        await asyncio.sleep(POLL_EVERY)


async def finish(record: IdempotencyRecord, status: int, body: Any) -> None:
    await IdempotencyRecord.filter(id=record.id).update(status_code=status, response_body=body)


async def release(record: IdempotencyRecord) -> None:
    """The request failed: forget the key so that a retry runs again."""
    await IdempotencyRecord.filter(id=record.id, status_code=None).delete()


async def purge_expired() -> int:
    """Delete records past their 24 h; for a periodic worker."""
    return await IdempotencyRecord.filter(expires_at__lte=clock.now()).delete()
