"""GET /console: the queue with filters, counts per status and keyset pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from console.context import identity_of, render
from models.enums import Channel, Priority, TicketStatus
from services import catalog, ticket_queries
from services.errors import ValidationFailed
from services.validation import field_uuid, one_of

PAGE_SIZE = 50
ASSIGNEE_CHOICES = ("anyone", "me", "unassigned")
FILTER_NAMES = ("status", "assignee", "channel", "priority", "type", "sla", "q")


def _choice(chosen: dict[str, str], name: str, allowed: tuple[Any, ...]) -> Any:
    return one_of(name, chosen[name], allowed) if chosen[name] else None


def _filters(request: web.Request) -> tuple[ticket_queries.InboxFilters, dict[str, str]]:
    """The query's filters as the use case's (and the form's values, to show them again)."""
    chosen = {name: request.query.get(name, "") for name in FILTER_NAMES}
    status = _choice(chosen, "status", tuple(TicketStatus))
    assignee = chosen["assignee"] or "anyone"
    assigned_to = None
    if assignee == "me":
        assigned_to = identity_of(request).agent.id
    elif assignee not in ASSIGNEE_CHOICES:
        assigned_to = field_uuid(assignee, "assignee")  # one agent, picked in the list
    filters = ticket_queries.InboxFilters(
        statuses=(status,) if status else (),
        assigned_to=assigned_to,
        unassigned=assignee == "unassigned",
        channel=_choice(chosen, "channel", tuple(Channel)),
        priority=_choice(chosen, "priority", tuple(Priority)),
        ticket_type_id=field_uuid(chosen["type"], "type") if chosen["type"] else None,
        sla=_choice(chosen, "sla", ticket_queries.SLA_FILTERS),
        q=chosen["q"].strip() or None,
    )
    return filters, chosen


def _before(request: web.Request) -> int | None:
    raw = request.query.get("before", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed("before must be a ticket number")
    return int(raw)


def _link(chosen: dict[str, str], **changes: Any) -> str:
    params = {k: v for k, v in {**chosen, **changes}.items() if v not in ("", None)}
    return "/console" + (f"?{urlencode(params)}" if params else "")


async def inbox(request: web.Request) -> web.Response:
    identity = identity_of(request)
    project = identity.project
    filters, chosen = _filters(request)
    page = await ticket_queries.inbox_page(
        project, filters, before=_before(request), limit=PAGE_SIZE
    )
    stamp = await ticket_queries.inbox_stamp(project)
    counts = await ticket_queries.status_counts(project, stamp=stamp)
    context = {
        "page": page,
        "counts": counts,
        "total": sum(counts.values()),
        "chosen": chosen,
        "statuses": list(TicketStatus),
        "priorities": list(Priority),
        "channels": list(Channel),
        "sla_filters": ticket_queries.SLA_FILTERS,
        "agents": await catalog.list_agents(project.id),
        "types": await catalog.active_ticket_types(project.id),
        "next_link": _link(chosen, before=page.next_before) if page.next_before else None,
        "first_link": _link(chosen) if request.query.get("before") else None,
        "status_link": lambda status: _link(chosen, status=status),
        "names": lambda t, prefix, values: {str(v): t(prefix + str(v)) for v in values},
        "stamp": stamp,
        "poll_url": "/console/inbox.json",
    }
    return render(request, "inbox.html", context)


async def inbox_stamp(request: web.Request) -> web.Response:
    """What the page's script polls: a new stamp means "reload the list"."""
    stamp = await ticket_queries.inbox_stamp(identity_of(request).project)
    return web.json_response({"stamp": stamp})
