"""The agent chat through the settings use cases: status, a bind code the group's
`/connect` accepts, unbinding — audited."""

from __future__ import annotations

import pytest

from models import AuditEntry, Project
from services import agent_chat, agent_chat_settings
from services.audit import CLI
from services.errors import Conflict, NotFound


async def test_bind_code_binds_the_group_and_unbind_forgets_it(project):
    assert await agent_chat_settings.agent_chat_status(project.id) == {
        "project_id": str(project.id), "bound": False, "chat_id": None, "is_forum": False,
    }
    issued = await agent_chat_settings.new_bind_code(project.id, CLI)
    assert issued["connect"] == f"/connect {issued['code']}" and issued["expires_in"] == 900
    await agent_chat.bind_chat(issued["code"], -100555, is_forum=True)  # the group's /connect
    status = await agent_chat_settings.agent_chat_status(project.id)
    assert (status["bound"], status["chat_id"], status["is_forum"]) == (True, -100555, True)

    unbound = await agent_chat_settings.unbind(project.id, CLI)

    assert unbound["bound"] is False and (await Project.get(id=project.id)).agent_chat_id is None
    with pytest.raises(Conflict):
        await agent_chat_settings.unbind(project.id, CLI)
    entries = await AuditEntry.filter(project_id=project.id).order_by("id")
    assert [e.action for e in entries] == ["agent_chat.code_created", "agent_chat.unbound"]
    assert entries[1].changes == {"chat_id": [-100555, None]}


async def test_unknown_project_is_not_found(db):
    with pytest.raises(NotFound):
        await agent_chat_settings.new_bind_code("nope", CLI)
