"""/v1/helpdesk/agents."""

from __future__ import annotations

from aiohttp import web

from api import schemas
from api.context import Operation, caller_of
from api.parsing import json
from services import catalog


async def list_agents(request: web.Request) -> web.Response:
    agents = await catalog.list_agents(caller_of(request).project.id)
    return json({"agents": [catalog.agent_view(a) for a in agents]})


OPERATIONS = [
    Operation(
        "GET", "/agents", list_agents, "list_agents", "Agents (the ids `assign` takes)",
        "catalog", schemas.AgentList,
    ),
]
