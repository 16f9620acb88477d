"""What an agent chat shows in any messenger: the ticket card's text, the topic name, the
customer's name, and the short answers to agents' commands and button presses. No messenger
SDK here: the Telegram group and the MAX chat both render their cards from these."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from models.enums import TicketStatus
from services import clock
from services.agent_desk_types import DeskResult, Outcome
from services.business_hours import local_time
from services.i18n import Translator
from services.serializers import SLA_TARGETS

TOPIC_NAME_LIMIT = 128


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Agent(_Named, Protocol):
    @property
    def username(self) -> str | None: ...


class CardTicket(Protocol):
    """What a card and a topic name show: a desk `TicketCard`, or a ticket with its type and
    assignee fetched (the agent-event sender's). Optional, read when present: the `sla_*`
    due times and `sla_timezone`, the project's time zone their clock times are shown in
    (UTC when absent)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def number(self) -> int: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def customer_first_name(self) -> str | None: ...
    @property
    def customer_username(self) -> str | None: ...
    @property
    def ticket_type(self) -> _Named | None: ...
    @property
    def assignee(self) -> _Agent | None: ...


def customer_name(ticket: CardTicket, t: Translator) -> str:
    if ticket.customer_first_name:
        return ticket.customer_first_name
    if ticket.customer_username:
        return f"@{ticket.customer_username}"
    return t("agent-customer-unknown")


def topic_name(ticket: CardTicket, t: Translator) -> str:
    """ "#42 · subject · customer", with a ✅ prefix once closed, cut to Telegram's 128. A
    ticket under service levels always carries a mark (see `sla_mark`)."""
    name = t(
        "agent-topic-name",
        number=ticket.number,
        subject=ticket.subject or t("agent-no-subject"),
        customer=customer_name(ticket, t),
    )
    mark = sla_mark(ticket, t)
    if mark is not None:
        name = f"{mark} {name}"
    elif ticket.status == TicketStatus.CLOSED:
        name = f"{t('agent-topic-closed-prefix')} {name}"
    name = " ".join(name.split())
    return name if len(name) <= TOPIC_NAME_LIMIT else name[: TOPIC_NAME_LIMIT - 1] + "…"


def sla_mark(ticket: CardTicket, t: Translator) -> str | None:
    """The topic-list mark of a ticket under service levels: closed, breached (a due time
    passed), waiting on the customer, else waiting on an agent. None without service levels
    (the agent-event sender renames topics)."""
    if getattr(ticket, "sla_warn_before_minutes", None) is None:
        return None
    if ticket.status == TicketStatus.CLOSED:
        return t("sla-mark-closed")
    due = getattr(ticket, "sla_due_at", None)
    if due is not None and due <= clock.now():
        return t("sla-mark-breached")
    if ticket.status == TicketStatus.WAITING:
        return t("sla-mark-customer")
    return t("sla-mark-agent")


def _due_line(ticket: CardTicket, t: Translator) -> str:
    due = getattr(ticket, "sla_due_at", None)
    if due is None:
        return ""
    target = next(
        (name for name in SLA_TARGETS if getattr(ticket, f"sla_{name}_due_at", None) == due),
        "resolution",
    )
    when = local_time(due, _zone(ticket))
    return "\n" + t("sla-card-due", due_at=when, target=t(f"sla-target-{target}"))


def _zone(ticket: CardTicket) -> str:
    return str(getattr(ticket, "sla_timezone", None) or "UTC")


def card_text(ticket: CardTicket, t: Translator) -> str:
    """The card; `ticket_type` and `assignee` must be fetched."""
    customer = customer_name(ticket, t)
    if ticket.customer_username and ticket.customer_first_name:
        customer = f"{customer} (@{ticket.customer_username})"
    assignee = ticket.assignee
    return t(
        "agent-card",
        number=ticket.number,
        subject=ticket.subject or t("agent-no-subject"),
        status=t(f"agent-status-{ticket.status}"),
        priority=t(f"agent-priority-{ticket.priority}"),
        type=ticket.ticket_type.name if ticket.ticket_type else t("agent-card-no-type"),
        assignee=(
            f"{assignee.name} (@{assignee.username})"
            if assignee and assignee.username
            else (assignee.name if assignee else t("agent-card-nobody"))
        ),
        customer=customer,
        channel=str(ticket.channel),
    ) + _due_line(ticket, t)


def attachment_label(item: dict[str, Any]) -> tuple[str, str]:
    """(kind, " name") for a notice about an attachment that cannot be copied."""
    name = item.get("name")
    return str(item.get("kind") or "file"), f" {name}" if name else ""


_NOTICES = {
    Outcome.NOT_ALLOWED: "agent-not-allowed",
    Outcome.NO_TICKET: "agent-not-a-ticket",
    Outcome.NOTE_SAVED: "agent-note-saved",
    Outcome.EDIT_TOO_LATE: "agent-error-edit-too-late",
}


def notice(result: DeskResult, t: Translator) -> str | None:
    """The short answer to an agent's command, button or edit; None when there is nothing to
    say (the update was not for the desk, or a sub-menu just opened)."""
    outcome = result.outcome
    if outcome == Outcome.ASSIGNED:
        return t("agent-assigned", agent=result.assignee)
    if outcome == Outcome.PRIORITY_SET:
        return t("agent-priority-set", priority=t(f"agent-priority-{result.priority}"))
    if outcome == Outcome.STATUS_SET:
        return t("agent-status-set", status=t(f"agent-status-{result.status}"))
    if outcome == Outcome.USAGE:
        return t(f"agent-usage-{result.command}")
    key = _NOTICES.get(outcome)
    return t(key) if key is not None else None


def sla_alert_text(ticket: CardTicket, payload: dict[str, Any], t: Translator) -> str:
    """A warning or breach line (the `sla_alert` agent event's payload), either agent chat."""
    due = datetime.fromisoformat(str(payload.get("due_at")).replace("Z", "+00:00"))
    return t(
        "sla-breached" if payload.get("kind") == "breached" else "sla-warning",
        number=ticket.number,
        target=t(f"sla-target-{payload.get('target')}"),
        due_at=local_time(due, _zone(ticket)),
    )


def rating_text(rated: bool, payload: dict[str, Any], t: Translator) -> str:
    """The customer's rating (`rated`) or their comment on it, as a line for the agents."""
    if rated:
        return t("agent-rating", score=payload.get("score"))
    return f"{t('agent-rating-comment')}\n{payload.get('comment') or ''}"


def canned_or_found_text(result: DeskResult, t: Translator) -> str | None:
    """`/r` and `/find` answers as plain text, for a chat that shows them without buttons
    or links (the MAX agent chat: `/r` lists the codes to send with `/r CODE`); None for
    other outcomes."""
    outcome = result.outcome
    if outcome == Outcome.CANNED_SENT:
        return t("agent-canned-sent", text=result.text or "")
    if outcome == Outcome.CANNED_MENU:
        if not result.choices:
            return t("agent-canned-none")
        lines = [t("agent-canned-menu", number=result.ticket_number or 0)]
        lines += [
            "/r " + t("agent-canned-button", code=choice.code, title=choice.title)
            for choice in result.choices
        ]
        return "\n".join(lines)
    if outcome == Outcome.CANNED_UNKNOWN:
        if not result.suggestions:
            return t("agent-canned-unknown-none", code=result.code or "")
        codes = ", ".join(result.suggestions)
        return t("agent-canned-unknown", code=result.code or "", codes=codes)
    if outcome == Outcome.FOUND:
        query = result.text or ""
        if not result.found:
            return t("agent-find-none", query=query)
        lines = [t("agent-find-header", query=query)]
        lines += [
            t(
                "agent-find-line",
                number=found.number,
                subject=found.subject or t("agent-no-subject"),
                status=t(f"agent-status-{found.status}"),
            )
            for found in result.found
        ]
        return "\n".join(lines)
    return None
