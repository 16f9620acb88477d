"""/v1/helpdesk/settings/service-levels: business hours, SLA targets, out-of-hours reply and
auto-close. The document is validated by services.service_levels (every front end's rules)."""

from __future__ import annotations

import json as jsonlib

from aiohttp import web

from api import schemas_settings as schemas
from api.context import Operation, caller_of
from api.parsing import json
from services import service_levels
from services.errors import ValidationFailed


async def get_service_levels(request: web.Request) -> web.Response:
    return json(await service_levels.get_settings(caller_of(request).project.id))


async def put_service_levels(request: web.Request) -> web.Response:
    raw = await request.read()
    try:
        document = jsonlib.loads(raw)
    except ValueError:
        raise ValidationFailed(
            "body is not valid JSON", details=[{"field": "body", "message": "not valid JSON"}]
        ) from None
    stored = await service_levels.put_settings(caller_of(request).project.id, document)
    return json(stored)


_PATH = "/settings/service-levels"
_TAG = "settings"
OPERATIONS = [
    Operation(
        "GET", _PATH, get_service_levels, "get_service_levels",
        "Business hours, SLA targets, out-of-hours reply, auto-close", _TAG,
        schemas.ServiceLevelSettings,
        description="A new project: no targets (no SLA), out-of-hours reply and auto-close off.",
    ),
    Operation(
        "PUT", _PATH, put_service_levels, "put_service_levels", "Replace the service levels",
        _TAG, schemas.ServiceLevelSettings, body=schemas.ServiceLevelSettings, errors=(400,),
        description="The whole document; missing fields take their defaults. Bad time zone, "
        "overlapping windows, `25:00`, negative minutes → 400 `validation_failed`. Open "
        "tickets get due times under the new rules at once, counted from when each clock "
        "started; no targets clear them.",
    ),
]
