"""What an agent chat shows in any messenger: the ticket card's text, the topic name, the
customer's name, and the short answers to agents' commands and button presses. No messenger
SDK here: the Telegram group and the MAX chat both render their cards from these."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from models.enums import TicketStatus
from services.agent_desk import DeskResult, Outcome
from services.i18n import Translator

TOPIC_NAME_LIMIT = 128


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Agent(_Named, Protocol):
    @property
    def username(self) -> str | None: ...


class CardTicket(Protocol):
    """What a card and a topic name show: a desk `TicketCard`, or a ticket with its type and
    assignee fetched (the agent-event sender's)."""

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
    """ "#42 · subject · customer", with a ✅ prefix once closed, cut to Telegram's 128."""
    name = t(
        "agent-topic-name",
        number=ticket.number,
        subject=ticket.subject or t("agent-no-subject"),
        customer=customer_name(ticket, t),
    )
    if ticket.status == TicketStatus.CLOSED:
        name = f"{t('agent-topic-closed-prefix')} {name}"
    name = " ".join(name.split())
    return name if len(name) <= TOPIC_NAME_LIMIT else name[: TOPIC_NAME_LIMIT - 1] + "…"


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
    )


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
