"""The agent chat as a project's settings manage it: which group is bound, a one-time bind
code (used as `/connect CODE` in the group), unbinding — audited."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import Project
from services import agent_chat, audit, projects
from services.audit import Actor
from services.errors import Conflict
from services.serializers import iso


def agent_chat_view(project: Project) -> dict[str, Any]:
    return {
        "project_id": str(project.id),
        "bound": project.agent_chat_id is not None,
        "chat_id": project.agent_chat_id,
        "is_forum": project.agent_chat_is_forum,
    }


async def agent_chat_status(project_id: object) -> dict[str, Any]:
    return agent_chat_view(await projects.get_project(project_id))


async def new_bind_code(project_id: object, actor: Actor) -> dict[str, Any]:
    """A one-time code, valid 15 minutes; the group's `/connect CODE` binds it."""
    project = await projects.get_project(project_id)
    async with in_transaction():
        record = await agent_chat.create_binding_code(project.id)
        await audit.record(project, actor, "agent_chat.code_created", target_type="agent_chat")
    return {
        "code": record.code,
        "connect": f"/connect {record.code}",
        "expires_at": iso(record.expires_at),
        "expires_in": int(agent_chat.CODE_TTL.total_seconds()),
    }


async def unbind(project_id: object, actor: Actor) -> dict[str, Any]:
    """Forget the project's agent chat (tickets' topics stay in the group as they are)."""
    project = await projects.get_project(project_id)
    if project.agent_chat_id is None:
        raise Conflict("no agent chat is bound to this project")
    chat_id = project.agent_chat_id
    async with in_transaction():
        await agent_chat.unbind_chat(chat_id)
        await audit.record(
            project,
            actor,
            "agent_chat.unbound",
            target_type="agent_chat",
            target_id=chat_id,
            changes={"chat_id": [chat_id, None]},
        )
    return agent_chat_view(await projects.get_project(project.id))
