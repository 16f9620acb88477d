"""/v1/helpdesk/settings/ratings and /v1/helpdesk/reports/satisfaction: thin views."""

from __future__ import annotations

from aiohttp import web

from api import schemas_settings as schemas
from api.context import Operation, caller_of
from api.parsing import json, parse_body, parse_query
from services import rating_reports, ratings


async def get_settings(request: web.Request) -> web.Response:
    settings = await ratings.get_settings(caller_of(request).project.id)
    return json(settings.view())


async def put_settings(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.RatingSettingsBody)
    settings = await ratings.change_settings(caller_of(request).project.id, **body.model_dump())
    return json(settings.view())


async def satisfaction(request: web.Request) -> web.Response:
    query = parse_query(request, schemas.SatisfactionQuery)
    report = await rating_reports.report(caller_of(request).project.id, query.from_, query.to)
    return json(report)


_TAG = "ratings"
OPERATIONS = [
    Operation(
        "GET", "/settings/ratings", get_settings, "get_rating_settings",
        "Satisfaction survey settings", _TAG, schemas.RatingSettingsOut,
    ),
    Operation(
        "PUT", "/settings/ratings", put_settings, "put_rating_settings",
        "Change the satisfaction survey settings", _TAG, schemas.RatingSettingsOut,
        body=schemas.RatingSettingsBody, errors=(400,),
        description="Enabled: a ticket closed by an agent, the API or auto-close asks its "
        "customer (Telegram/MAX) for a 1–5 rating; a customer's own close only with "
        "`ask_when_customer_closes`. `question: null` uses the built-in en/ru question.",
    ),
    Operation(
        "GET", "/reports/satisfaction", satisfaction, "satisfaction_report",
        "Ratings given in a date range, overall and per agent", _TAG,
        schemas.SatisfactionReport, query=schemas.SatisfactionQuery, errors=(400,),
        description="Days are UTC and both included; `to` defaults to today, `from` to 29 "
        "days before `to`; at most 366 days. Ratings credit the assignee at close "
        "(`agent_id: null` for unassigned tickets).",
    ),
]
