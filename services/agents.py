"""Agents as a project's settings manage them: list (with where each came from), add,
change role, remove — each checked, audited, in one transaction.

A removed agent stays a row with `removed_at` set: messages they wrote keep pointing at it
and keep their name, while lists, assignment and sign-in leave them out. Their tickets
become unassigned (with a `ticket.assigned` event whose assignee is null, and the agent
chat's card updated). Someone who acts again in the bound agent chat is an agent again
(the group's members are agents): remove them from the group too to keep them out."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import Agent, ConsoleSession, LoginLink, Project, Ticket
from models.enums import AgentRole
from services import audit, clock, notifications, outbox
from services.audit import Actor
from services.errors import NotFound
from services.serializers import iso
from services.validation import invalid, parse_uuid

ROLES = tuple(role.value for role in AgentRole)
DEFAULT_ROLE = "agent"
ORIGIN_AGENT_CHAT = "agent_chat"
ORIGIN_MANUAL = "manual"
MAX_NAME = 200


def agent_admin_view(agent: Agent) -> dict[str, Any]:
    return {
        "id": str(agent.id),
        "name": agent.name,
        "username": agent.username,
        "telegram_user_id": agent.telegram_user_id,
        "max_user_id": agent.max_user_id,
        "role": agent.role,
        "origin": agent.origin,
        "created_at": iso(agent.created_at),
    }


def check_role(role: str | None) -> str:
    if role not in ROLES:
        raise invalid("role", f"must be one of: {', '.join(ROLES)}")
    return role


async def list_project_agents(project: Project) -> list[Agent]:
    """The project's agents (not removed), oldest first."""
    return list(await Agent.filter(project_id=project.id, removed_at=None).order_by("created_at"))


async def _agent_of(project: Project, agent_id: object) -> Agent:
    agent = await Agent.get_or_none(
        id=parse_uuid(agent_id, what="agent"), project_id=project.id, removed_at=None
    )
    if agent is None:
        raise NotFound("agent not found")
    return agent


async def add_agent(
    project: Project,
    actor: Actor,
    *,
    name: str,
    telegram_user_id: int | None = None,
    max_user_id: int | None = None,
    username: str | None = None,
    role: str = DEFAULT_ROLE,
) -> Agent:
    """An agent added by hand. A Telegram user who was removed before comes back as the
    same agent (their old messages are theirs again)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise invalid("name", f"must be 1-{MAX_NAME} characters")
    role = check_role(role)
    username = (username or "").strip().lstrip("@") or None
    if username is not None and len(username) > 64:
        raise invalid("username", "must be at most 64 characters")
    if telegram_user_id is not None and telegram_user_id <= 0:
        raise invalid("telegram_user_id", "must be a Telegram user id (a positive number)")
    if max_user_id is not None:
        if max_user_id <= 0:
            raise invalid("max_user_id", "must be a MAX user id (a positive number)")
        if await Agent.filter(project_id=project.id, max_user_id=max_user_id).exists():
            raise invalid("max_user_id", "is already an agent of this project")
    former = None
    if telegram_user_id is not None:
        former = await Agent.get_or_none(project_id=project.id, telegram_user_id=telegram_user_id)
        if former is not None and former.removed_at is None:
            raise invalid("telegram_user_id", "is already an agent of this project")
    fields: dict[str, Any] = {
        "name": name,
        "username": username,
        "role": role,
        "origin": ORIGIN_MANUAL,
    }
    if max_user_id is not None:
        fields["max_user_id"] = max_user_id
    async with in_transaction():
        if former is not None:
            for key, value in fields.items():
                setattr(former, key, value)
            former.removed_at = None
            await former.save(update_fields=[*fields, "removed_at"])
            agent = former
        else:
            agent = await Agent.create(
                project=project,
                telegram_user_id=telegram_user_id,
                max_user_id=max_user_id,
                name=name,
                username=username,
                role=role,
                origin=ORIGIN_MANUAL,
            )
        await audit.record(
            project,
            actor,
            "agent.added",
            target_type="agent",
            target_id=agent.id,
            changes={"name": [None, name], "role": [None, role]},
        )
    return agent


async def _owners_left(project: Project, without: Agent) -> int:
    return (
        await Agent.filter(project_id=project.id, role="owner", removed_at=None)
        .exclude(id=without.id)
        .count()
    )


async def change_role(project: Project, actor: Actor, agent_id: object, role: str) -> Agent:
    """Give an agent another role; the project's last owner stays an owner."""
    role = check_role(role)
    agent = await _agent_of(project, agent_id)
    if agent.role == role:
        return agent
    if agent.role == "owner" and not await _owners_left(project, agent):
        raise invalid("role", "the project's last owner cannot stop being an owner")
    async with in_transaction():
        before = agent.role
        agent.role = AgentRole(role)
        await agent.save(update_fields=["role"])
        await audit.record(
            project,
            actor,
            "agent.role_changed",
            target_type="agent",
            target_id=agent.id,
            changes={"role": [before, role]},
        )
    return agent


async def remove_agent(project: Project, actor: Actor, agent_id: object) -> dict[str, Any]:
    """Remove an agent: their tickets become unassigned, their messages keep their name."""
    agent = await _agent_of(project, agent_id)
    if agent.role == "owner" and not await _owners_left(project, agent):
        raise invalid("agent_id", "the project's last owner cannot be removed")
    now = clock.now()
    async with in_transaction():
        tickets = list(
            await Ticket.filter(project_id=project.id, assignee_id=agent.id)
            .select_related("ticket_type")
            .select_for_update(of=(Ticket._meta.db_table,))
        )
        await Ticket.filter(id__in=[t.id for t in tickets]).update(assignee_id=None, updated_at=now)
        for ticket in tickets:
            ticket.assignee, ticket.assignee_id, ticket.updated_at = None, None, now
            await outbox.record_event(ticket, outbox.TICKET_ASSIGNED, assignee=None)
            await notifications.notify_agents(ticket, "assigned")
        agent.removed_at = now
        await agent.save(update_fields=["removed_at"])
        # a removed agent is signed out of the console and their unused links stop working
        await ConsoleSession.filter(agent_id=agent.id).delete()
        await LoginLink.filter(agent_id=agent.id).delete()
        await audit.record(
            project,
            actor,
            "agent.removed",
            target_type="agent",
            target_id=agent.id,
            changes={"name": [agent.name, None], "unassigned_tickets": [len(tickets), 0]},
        )
    return {"id": str(agent.id), "removed": True, "unassigned_tickets": len(tickets)}
