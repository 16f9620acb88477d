"""Settings pages of what runs: the webhook (URL, secret, test event, delivery log, replay,
re-enable), the agent chat binding, reports (chart, figures, CSV) and the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from console.settings_pages import ALLOW_PRIVATE, Form, admin_of, area, flag, show
from services import (
    agent_chat_settings,
    audit,
    charts,
    rating_reports,
    report_export,
    reports,
    webhook_settings,
)
from services.audit import Actor
from services.console_auth import ConsoleIdentity
from services.errors import HelpdeskError
from services.validation import invalid

# --- webhook -------------------------------------------------------------------------


async def _webhook(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    failed = request.query.get("failed") == "1"
    log = await webhook_settings.delivery_log(identity.project.id, failed_only=failed)
    return {"webhook": log, "failed_only": failed, "event_types": webhook_settings.EVENT_TYPES}


async def _set_url(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await webhook_settings.set_webhook_url(
        identity.project.id,
        actor,
        form.get("url", "").strip() or None,
        allow_private_networks=flag(form, ALLOW_PRIVATE),
    )


EVENT_FIELD = "event:"  # one checkbox per event type: `event:ticket.created` = "on"


async def _set_events(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    """The ticked event types; none ticked, or all of them, is every type (also the ones
    added in later versions)."""
    chosen = [k.removeprefix(EVENT_FIELD) for k in form if k.startswith(EVENT_FIELD)]
    if set(chosen) >= set(webhook_settings.EVENT_TYPES):
        chosen = []
    await webhook_settings.set_events(identity.project.id, actor, chosen or None)


async def _reveal(identity: ConsoleIdentity, actor: Actor, form: Form) -> dict[str, Any]:
    return {"secret": await webhook_settings.reveal_secret(identity.project.id, actor)}


async def _rotate(identity: ConsoleIdentity, actor: Actor, form: Form) -> dict[str, Any]:
    return {"secret": await webhook_settings.rotate_secret(identity.project.id, actor)}


async def _test_event(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await webhook_settings.send_test_event(identity.project.id, actor)


async def _replay(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await webhook_settings.replay(identity.project.id, actor, form.get("event_id"))


async def _reenable(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await webhook_settings.reenable(identity.project.id, actor)


area("webhook", "settings_webhook.html", _webhook).actions.update(
    url=_set_url, events=_set_events, reveal=_reveal, rotate=_rotate, test=_test_event,
    replay=_replay, enable=_reenable,
)

# --- agent chat ----------------------------------------------------------------------


async def _agent_chat(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    project = identity.project
    await project.refresh_from_db()
    return {
        "chat": await agent_chat_settings.agent_chat_status(project.id),
        "platform": str(project.agent_chat_platform),
        "lost_at": project.agent_chat_lost_at,
    }


async def _bind_code(identity: ConsoleIdentity, actor: Actor, form: Form) -> dict[str, Any]:
    return {"code": await agent_chat_settings.new_bind_code(identity.project.id, actor)}


async def _unbind(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await agent_chat_settings.unbind(identity.project.id, actor)


area("agent-chat", "settings_agent_chat.html", _agent_chat).actions.update(
    code=_bind_code, unbind=_unbind
)

# --- reports -------------------------------------------------------------------------


async def _period(project: Any, query: Any) -> reports.Period:
    if query.get("from"):
        return await reports.project_period(
            project, start=query.get("from"), end=query.get("to") or None
        )
    days = query.get("days", "7")
    if not days.isdigit():
        raise invalid("days", "must be 7, 30 or 90")
    return await reports.project_period(project, days=int(days))


async def _report(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    try:
        span = await _period(identity.project, request.query)
    except HelpdeskError as error:
        return {"report": None, "period_error": error, "query": dict(request.query)}
    report = await reports.ticket_report(identity.project, span)
    ratings = await rating_reports.satisfaction(identity.project.id, span.start, span.end)
    days = [row["date"][5:] for row in report["per_day"]]
    chart = charts.bar_chart_svg(
        days,
        {
            "created": [row["created"] for row in report["per_day"]],
            "closed": [row["closed"] for row in report["per_day"]],
        },
        title=f"{report['from']} – {report['to']}",
    )
    return {
        "report": report,
        "chart": chart,
        "query": dict(request.query),
        "csv_query": request.query_string,
        "fmt": _median_p90,
        "ratings": ratings,
    }


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _median_p90(times: dict[str, float | None]) -> str:
    """"median / p90" of a group's durations, as the table shows them."""
    return f"{_duration(times.get('median'))} / {_duration(times.get('p90'))}"


async def report_csv(request: web.Request) -> web.StreamResponse:
    identity = admin_of(request)
    try:
        span = await _period(identity.project, request.query)
    except HelpdeskError as error:
        return await show(request, REPORTS, error=error)
    report = await reports.ticket_report(identity.project, span)
    return web.Response(
        text=report_export.report_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="report-{span.start}-{span.end}.csv"'
        },
    )


REPORTS = area("reports", "settings_reports.html", _report)

# --- audit log -----------------------------------------------------------------------


async def _audit(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    before = request.query.get("before", "")
    page = await audit.list_entries(
        identity.project, before=int(before) if before.isdigit() else None
    )
    return {"audit": page}


area("audit", "settings_audit.html", _audit)
