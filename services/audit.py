"""The audit log of a project's settings: who changed what, when.

Every settings use case calls `record` inside the transaction of its change, so an entry
exists exactly when the change does. `Actor` says who acted: an agent signed in to the
console, or a front end acting for the operator ("cli"), an API key ("api") or the product
itself ("system")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from models import Agent, AuditEntry, Project
from services import clock
from services.serializers import iso
from services.validation import invalid

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SECRET = "<secret>"  # what an entry shows in place of a secret or a key


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: `kind` is "agent", "cli", "api" or "system"."""

    kind: str
    agent_id: uuid.UUID | None = None
    name: str | None = None

    @classmethod
    def of_agent(cls, agent: Agent) -> Actor:
        return cls("agent", agent.id, agent.name)


CLI = Actor("cli")
API = Actor("api")
SYSTEM = Actor("system")


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value changed, as {"field": [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


async def record(
    project: Project | uuid.UUID,
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: object | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry; call it inside the transaction of the change it describes."""
    project_id = project.id if isinstance(project, Project) else project
    return await AuditEntry.create(
        project_id=project_id,
        actor=actor.kind,
        actor_agent_id=actor.agent_id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        changes=changes or {},
        created_at=clock.now(),
    )


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": iso(entry.created_at),
        "actor": entry.actor,
        "actor_agent_id": str(entry.actor_agent_id) if entry.actor_agent_id else None,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "changes": entry.changes,
    }


async def list_entries(
    project: Project, *, limit: int = PAGE_SIZE, before: int | None = None
) -> dict[str, Any]:
    """Newest first, a page at a time: `next_before` (the last entry's id) asks for the
    next page; None when this was the last one. Ids grow with time, so paging by id walks
    the (project_id, created_at) order without an offset."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise invalid("limit", f"must be 1-{MAX_PAGE_SIZE}")
    query = AuditEntry.filter(project_id=project.id)
    if before is not None:
        query = query.filter(id__lt=before)
    entries = list(await query.order_by("-id").limit(limit + 1))
    more = len(entries) > limit
    entries = entries[:limit]
    return {
        "entries": [entry_view(e) for e in entries],
        "next_before": entries[-1].id if more and entries else None,
    }
