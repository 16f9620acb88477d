"""Plain-data views of models, shared by the REST API, webhooks and the bots."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from models import Agent, Message, Ticket
from services import clock

_DATETIME = Ticket._meta.fields_map["created_at"]
SLA_TARGETS = ("first_response", "next_response", "resolution")


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agent_ref(agent: Agent | None) -> dict[str, Any] | None:
    return None if agent is None else {"id": str(agent.id), "name": agent.name}


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """The ticket summary of API.md; `ticket_type` and `assignee` must be fetched."""
    ticket_type = ticket.ticket_type
    return {
        "id": str(ticket.id),
        "ticket_number": ticket.number,
        "status": str(ticket.status),
        "priority": str(ticket.priority),
        "channel": str(ticket.channel),
        "ticket_type_id": str(ticket.ticket_type_id) if ticket.ticket_type_id else None,
        "ticket_type_name": ticket_type.name if ticket_type else None,
        "subject": ticket.subject,
        "assignee": agent_ref(ticket.assignee),
        "subscriber_id": str(ticket.subscriber_id) if ticket.subscriber_id else None,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "sla": sla_view(
            ticket.sla_warn_before_minutes,
            {target: getattr(ticket, f"sla_{target}_due_at") for target in SLA_TARGETS},
            ticket.sla_state,
        ),
    }


def sla_view(
    warn_before: int | None,
    dues: dict[str, datetime | None],
    state: dict[str, Any] | None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The summary's `sla` (services.sla keeps the columns): null without targets; `status`
    from the nearest due time (a clock paused when already overdue stays `breached`)."""
    if warn_before is None:
        return None
    now = now or clock.now()
    running = [due for due in dues.values() if due is not None]
    paused = (state or {}).get("paused") or {}
    if any(due <= now for due in running) or any(left <= 0 for left in paused.values()):
        status = "breached"
    elif any(due - timedelta(minutes=warn_before) <= now for due in running):
        status = "warning"
    else:
        status = "ok"
    return {
        "first_response_due_at": iso(dues.get("first_response")),
        "next_response_due_at": iso(dues.get("next_response")),
        "resolution_due_at": iso(dues.get("resolution")),
        "status": status,
    }


def _row_sla(row: dict[str, Any]) -> dict[str, Any] | None:
    """`sla_view` of a row's `sla_*` columns as the driver returned them."""
    if row.get("sla_warn_before_minutes") is None:
        return None
    dues: dict[str, datetime | None] = {}
    for target in SLA_TARGETS:
        value = row[f"sla_{target}_due_at"]
        if value is not None and not isinstance(value, datetime):
            value = _DATETIME.to_python_value(value)
        dues[target] = value
    state = row.get("sla_state")
    if isinstance(state, str | bytes):
        state = json.loads(state)
    return sla_view(row["sla_warn_before_minutes"], dues, state)


def row_iso(value: Any) -> str | None:
    """`iso` of a datetime column as the driver returned it (SQLite: text). PostgreSQL's
    timestamptz arrives in UTC already: formatted without a conversion (a list page formats
    a hundred of these)."""
    if value.__class__ is datetime and value.tzinfo is UTC:
        return f"{value.isoformat(timespec='milliseconds')[:-6]}Z"
    if value is not None and not isinstance(value, datetime):
        value = _DATETIME.to_python_value(value)
    return iso(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def summary_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """The ticket summary from a `tickets` row joined with `ticket_type_name` and
    `assignee_name` (the same fields as `ticket_summary`, without building models)."""
    assignee_id = row["assignee_id"]
    return {
        "id": str(row["id"]),
        "ticket_number": row["number"],
        "status": row["status"],
        "priority": row["priority"],
        "channel": row["channel"],
        "ticket_type_id": _text(row["ticket_type_id"]),
        "ticket_type_name": row["ticket_type_name"] if row["ticket_type_id"] else None,
        "subject": row["subject"],
        "assignee": None
        if assignee_id is None
        else {"id": str(assignee_id), "name": row["assignee_name"]},
        "subscriber_id": _text(row["subscriber_id"]),
        "created_at": row_iso(row["created_at"]),
        "updated_at": row_iso(row["updated_at"]),
        "sla": _row_sla(row),
    }


def message_view(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "ticket_id": str(message.ticket_id),
        "author": str(message.author),
        "text": message.text,
        "internal": message.internal,
        "agent_id": str(message.agent_id) if message.agent_id else None,
        "source": str(message.source),
        "created_at": iso(message.created_at),
        "attachments": [
            {k: v for k, v in item.items() if k in ("kind", "name", "size", "mime_type")}
            for item in (message.attachments or [])
        ],
    }


def ticket_details(ticket: Ticket, messages: list[Message]) -> dict[str, Any]:
    return {
        **ticket_summary(ticket),
        "customer": {
            "first_name": ticket.customer_first_name,
            "username": ticket.customer_username,
            "chat_id": ticket.customer_chat_id,
        },
        "closed_at": iso(ticket.closed_at),
        "first_response_at": iso(ticket.first_response_at),
        "messages": [message_view(m) for m in messages],
    }
