"""Ticket types as a project's settings manage them: list (inactive ones too), add, rename,
describe, reorder, deactivate and reactivate — each checked, audited, in one transaction.

Types are never deleted: tickets keep theirs, and a deactivated type only leaves the
customers' type picker and the REST list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from models import Project, TicketType
from services import audit
from services.audit import Actor
from services.errors import NotFound
from services.validation import field_uuid, invalid, parse_uuid

MAX_NAME = 100
MAX_DESCRIPTION = 500
MAX_TYPES = 100  # the customers' picker is a keyboard, not a catalogue


async def list_ticket_types(project: Project) -> list[TicketType]:
    """Every type of the project, active or not, in the picker's order."""
    return list(await TicketType.filter(project_id=project.id).order_by("position", "name"))


def _name(value: str | None) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_NAME:
        raise invalid("name", f"must be 1-{MAX_NAME} characters")
    return value


def _description(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > MAX_DESCRIPTION:
        raise invalid("description", f"must be at most {MAX_DESCRIPTION} characters")
    return value


async def _check_unique_name(project: Project, name: str, exclude: uuid.UUID | None) -> None:
    """Two types named alike would be two equal buttons for the customer."""
    for other in await TicketType.filter(project_id=project.id).only("id", "name"):
        if other.id != exclude and other.name.casefold() == name.casefold():
            raise invalid("name", f"{name!r} is already a ticket type of this project")


async def get_ticket_type(project: Project, type_id: object) -> TicketType:
    """The project's ticket type (NotFound for another project's)."""
    ticket_type = await TicketType.get_or_none(
        id=parse_uuid(type_id, what="ticket type"), project_id=project.id
    )
    if ticket_type is None:
        raise NotFound("ticket type not found")
    return ticket_type


async def add_ticket_type(
    project: Project,
    actor: Actor,
    *,
    name: str,
    description: str = "",
    position: int | None = None,
) -> TicketType:
    """A new active type, last in the order unless `position` is given."""
    name, description = _name(name), _description(description)
    await _check_unique_name(project, name, None)
    existing = await TicketType.filter(project_id=project.id).count()
    if existing >= MAX_TYPES:
        raise invalid("name", f"a project has at most {MAX_TYPES} ticket types")
    last = await TicketType.filter(project_id=project.id).order_by("-position").first()
    async with in_transaction():
        ticket_type = await TicketType.create(
            project=project,
            name=name,
            description=description,
            position=position if position is not None else (last.position + 1) if last else 0,
        )
        await audit.record(
            project,
            actor,
            "ticket_type.added",
            target_type="ticket_type",
            target_id=ticket_type.id,
            changes={"name": [None, name]},
        )
    return ticket_type


async def _change(
    project: Project, actor: Actor, type_id: object, action: str, **values: Any
) -> TicketType:
    ticket_type = await get_ticket_type(project, type_id)
    changed = audit.diff({k: getattr(ticket_type, k) for k in values}, values)
    if not changed:
        return ticket_type
    async with in_transaction():
        for key in changed:
            setattr(ticket_type, key, values[key])
        await ticket_type.save(update_fields=list(changed))
        await audit.record(
            project,
            actor,
            action,
            target_type="ticket_type",
            target_id=ticket_type.id,
            changes=changed,
        )
    return ticket_type


async def rename_ticket_type(
    project: Project, actor: Actor, type_id: object, name: str
) -> TicketType:
    name = _name(name)
    await _check_unique_name(project, name, (await get_ticket_type(project, type_id)).id)
    return await _change(project, actor, type_id, "ticket_type.renamed", name=name)


async def describe_ticket_type(
    project: Project, actor: Actor, type_id: object, description: str
) -> TicketType:
    return await _change(
        project, actor, type_id, "ticket_type.described", description=_description(description)
    )


async def edit_ticket_type(
    project: Project, actor: Actor, type_id: object, *, name: str, description: str
) -> TicketType:
    """Rename and describe in one step (the console's row form): both are checked before
    anything is written, so a refused description leaves the name as it was too."""
    name, description = _name(name), _description(description)
    kind = await get_ticket_type(project, type_id)
    await _check_unique_name(project, name, kind.id)
    return await _change(
        project, actor, kind.id, "ticket_type.updated", name=name, description=description
    )


async def move_ticket_type(
    project: Project, actor: Actor, type_id: object, position: int
) -> TicketType:
    """Give one type a position number (the picker orders by it, then by name)."""
    if position < 0:
        raise invalid("position", "must be 0 or more")
    return await _change(project, actor, type_id, "ticket_type.moved", position=position)


async def project_of_type(type_id: object) -> Project:
    """The project a ticket type belongs to (for the CLI, which names the type alone)."""
    ticket_type = await TicketType.get_or_none(
        id=parse_uuid(type_id, what="ticket type")
    ).prefetch_related("project")
    if ticket_type is None:
        raise NotFound("ticket type not found")
    return ticket_type.project


async def set_ticket_type_active(
    project: Project, actor: Actor, type_id: object, active: bool
) -> TicketType:
    """Deactivate (the type leaves the picker; its tickets keep it) or reactivate."""
    action = "ticket_type.reactivated" if active else "ticket_type.deactivated"
    return await _change(project, actor, type_id, action, active=bool(active))


async def reorder_ticket_types(
    project: Project, actor: Actor, type_ids: Sequence[object]
) -> list[TicketType]:
    """Put the types in the given order: `type_ids` must name each type of the project
    (inactive ones too) exactly once."""
    wanted = [field_uuid(type_id, "type_ids") for type_id in type_ids]
    types = {t.id: t for t in await list_ticket_types(project)}
    if len(set(wanted)) != len(wanted) or set(wanted) != set(types):
        raise invalid("type_ids", "must list every ticket type of this project exactly once")
    before = [str(t) for t in types]
    async with in_transaction():
        for position, type_id in enumerate(wanted):
            if types[type_id].position != position:
                types[type_id].position = position
                await TicketType.filter(id=type_id).update(position=position)
        after = [str(t) for t in wanted]
        if after != before:
            await audit.record(
                project,
                actor,
                "ticket_type.reordered",
                target_type="ticket_type",
                changes={"order": [before, after]},
            )
    return [types[type_id] for type_id in wanted]
