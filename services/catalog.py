"""Ticket types and agents of a project."""

from __future__ import annotations

import uuid
from typing import Any

from models import Agent, Project, TicketType
from services.errors import NotFound
from services.validation import field_uuid, invalid, parse_uuid


def ticket_type_view(ticket_type: TicketType) -> dict[str, Any]:
    return {
        "id": str(ticket_type.id),
        "name": ticket_type.name,
        "description": ticket_type.description,
    }


def ticket_type_admin_view(ticket_type: TicketType) -> dict[str, Any]:
    """What the console shows of a ticket type: the public view, its switch and its place."""
    return {
        **ticket_type_view(ticket_type),
        "active": ticket_type.active,
        "position": ticket_type.position,
    }


def agent_view(agent: Agent) -> dict[str, Any]:
    """`platforms`: the messengers the agent acts from (Telegram, MAX or both)."""
    platforms = [
        platform
        for platform, user_id in (("telegram", agent.telegram_user_id), ("max", agent.max_user_id))
        if user_id is not None
    ]
    return {
        "id": str(agent.id),
        "name": agent.name,
        "username": agent.username,
        "platforms": platforms,
    }


def _check_name(name: str | None, limit: int = 100) -> str:
    name = (name or "").strip()
    if not name or len(name) > limit:
        raise invalid("name", f"must be 1-{limit} characters")
    return name


async def create_ticket_type(
    project: Project, *, name: str, description: str = "", position: int | None = None
) -> TicketType:
    name = _check_name(name)
    if position is None:
        last = await TicketType.filter(project_id=project.id).order_by("-position").first()
        position = (last.position + 1) if last else 0
    return await TicketType.create(
        project=project, name=name, description=description or "", position=position
    )


async def update_ticket_type(type_id: object, **changes: Any) -> TicketType:
    ticket_type = await TicketType.get_or_none(id=parse_uuid(type_id, what="ticket type"))
    if ticket_type is None:
        raise NotFound("ticket type not found")
    for key, value in changes.items():
        if value is None:
            continue
        if key == "name":
            value = _check_name(value)
        setattr(ticket_type, key, value)
    await ticket_type.save()
    return ticket_type


async def active_ticket_types(project_id: object) -> list[TicketType]:
    return list(
        await TicketType.filter(project_id=project_id, active=True).order_by("position", "name")
    )


async def active_type(project_id: uuid.UUID, type_id: object) -> TicketType:
    """The project's active ticket type `type_id` (else a `ticket_type_id` validation error)."""
    tid = field_uuid(type_id, "ticket_type_id")
    ticket_type = await TicketType.get_or_none(id=tid, project_id=project_id, active=True)
    if ticket_type is None:
        raise invalid("ticket_type_id", "is not an active ticket type of this project")
    return ticket_type


async def project_agent(project_id: uuid.UUID, agent_id: object, field: str) -> Agent:
    """The project's agent `agent_id` (else a validation error on `field`)."""
    aid = field_uuid(agent_id, field)
    agent = await Agent.get_or_none(id=aid, project_id=project_id, removed_at=None)
    if agent is None:
        raise invalid(field, "is not an agent of this project")
    return agent


async def add_agent(
    project: Project,
    *,
    name: str,
    telegram_user_id: int | None = None,
    username: str | None = None,
    max_user_id: int | None = None,
) -> Agent:
    """An agent; one person may have both a Telegram and a MAX identity."""
    name = _check_name(name, 200)
    if username:
        username = username.lstrip("@")
    for field, user_id in (("telegram_user_id", telegram_user_id), ("max_user_id", max_user_id)):
        identity: dict[str, Any] = {field: user_id}
        if user_id is not None and await Agent.filter(project_id=project.id, **identity).exists():
            raise invalid(field, "is already an agent of this project")
    return await Agent.create(
        project=project,
        name=name,
        telegram_user_id=telegram_user_id,
        max_user_id=max_user_id,
        username=username,
        origin="manual",
    )


async def register_telegram_agent(
    project_id: object, telegram_user_id: int, name: str, username: str | None
) -> Agent:
    """The agent behind a Telegram user acting in the bound group, created on first action."""
    return await register_agent(project_id, "telegram_user_id", telegram_user_id, name, username)


async def register_agent(
    project_id: object, identity: str, user_id: int, name: str, username: str | None
) -> Agent:
    """The agent behind a messenger user acting in the bound agent chat, created on first
    action. `identity`: the Agent field of that messenger's user id (`telegram_user_id`,
    `max_user_id`); one agent may carry both."""
    identity_filter: dict[str, Any] = {identity: user_id}
    agent, created = await Agent.get_or_create(
        defaults={"name": name, "username": username, "origin": "agent_chat"},
        project_id=project_id,
        **identity_filter,
    )
    if not created and (
        agent.name != name or agent.username != username or agent.removed_at is not None
    ):
        # a removed agent who acts in the agent chat again is an agent again (services.agents)
        agent.name, agent.username, agent.removed_at = name, username, None
        await agent.save(update_fields=["name", "username", "removed_at"])
    return agent


async def list_agents(project_id: object) -> list[Agent]:
    return list(await Agent.filter(project_id=project_id, removed_at=None).order_by("created_at"))
