"""/v1/helpdesk/settings/webhook: the project's webhook as its API key may see it, and the
event types its endpoint takes. Thin views over services.webhook_settings; the URL and the
secret stay with the CLI and the console."""

from __future__ import annotations

from aiohttp import web

from api import schemas_settings as schemas
from api.context import Operation, caller_of
from api.parsing import json, parse_body
from services import webhook_settings
from services.audit import API


async def get_webhook(request: web.Request) -> web.Response:
    return json(await webhook_settings.get_webhook(caller_of(request).project.id))


async def put_events(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.WebhookEventsBody)
    view = await webhook_settings.set_events(caller_of(request).project.id, API, body.events)
    return json(view)


_TAG = "settings"
OPERATIONS = [
    Operation(
        "GET", "/settings/webhook", get_webhook, "get_webhook_settings",
        "The webhook endpoint and the event types it takes", _TAG,
        schemas.WebhookSettingsOut,
        description="No secret here (`helpdesk webhooks show-secret`, or the console). "
        "`events: null`: every event type is sent.",
    ),
    Operation(
        "PUT", "/settings/webhook/events", put_events, "put_webhook_events",
        "Choose the event types the endpoint takes", _TAG, schemas.WebhookSettingsOut,
        body=schemas.WebhookEventsBody, errors=(400,),
        description="`events`: a list of event type names, or null (or `[]`) for every "
        "type. Events of other types — those already waiting too — are closed unsent, "
        "shown in the delivery log as `disabled` with `last_error` \"event type not taken "
        "by the endpoint\". `webhook.test` is always sent. An unknown name → 400 "
        "`validation_failed` naming `events`. The change is written to the audit log.",
    ),
]
