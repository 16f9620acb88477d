"""/v1/helpdesk/ticket-types."""

from __future__ import annotations

from aiohttp import web

from api import schemas
from api.context import Operation, caller_of
from api.parsing import json
from services import catalog


async def list_ticket_types(request: web.Request) -> web.Response:
    types = await catalog.active_ticket_types(caller_of(request).project.id)
    return json({"ticket_types": [catalog.ticket_type_view(t) for t in types]})


OPERATIONS = [
    Operation(
        "GET", "/ticket-types", list_ticket_types, "list_ticket_types",
        "Active ticket types, in their configured order", "catalog", schemas.TicketTypeList,
    ),
]
