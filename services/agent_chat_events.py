"""What the agent-event senders (delivery/telegram_agent_chat, delivery/max_agent_chat) read
and record: an event's ticket, project and message; the ticket's topic, card and relayed
message ids in the agent chat; the short history a recreated topic or card starts with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from models import Message, OutboxEvent, Project, Ticket
from models.enums import Channel, TicketStatus
from services import outbox, service_levels, ticket_queries

HISTORY_SIZE = 5


async def record_topic(
    ticket: Ticket, chat_id: int, topic_id: int | None, card_message_id: int | None
) -> None:
    ticket.agent_chat_id = chat_id
    ticket.agent_topic_id = topic_id
    ticket.agent_card_message_id = card_message_id
    await Ticket.filter(id=ticket.id).update(
        agent_chat_id=chat_id, agent_topic_id=topic_id, agent_card_message_id=card_message_id
    )


async def record_card(ticket: Ticket, card_message_id: int) -> None:
    ticket.agent_card_message_id = card_message_id
    await Ticket.filter(id=ticket.id).update(agent_card_message_id=card_message_id)


async def record_relay(message_id: uuid.UUID, agent_chat_message_id: int) -> None:
    """The copy of a ticket message in the agent chat (for reply routing and edits)."""
    await Message.filter(id=message_id).update(agent_chat_message_id=agent_chat_message_id)


async def history(ticket: Ticket, *, before: uuid.UUID | None = None) -> list[Message]:
    """The last few public messages, for a recreated topic (`before` is shown on its own)."""
    query = Message.filter(ticket_id=ticket.id, internal=False)
    if before is not None:
        query = query.exclude(id=before)
    latest = await query.order_by("-created_at", "-id").limit(HISTORY_SIZE)
    return list(reversed(latest))


@dataclass
class EventContext:
    ticket: Ticket
    project: Project
    message: Message | None


async def event_context(
    ticket_id: object, message_id: object | None, platform: Channel = Channel.TELEGRAM
) -> EventContext | None:
    """The ticket (type and assignee fetched), its project and the message of an agent event;
    None when the ticket is gone or the project has no agent chat in `platform` any more."""
    ticket = await Ticket.get_or_none(id=ticket_id) if ticket_id else None
    if ticket is None:
        return None
    project = await Project.get(id=ticket.project_id)
    if project.agent_chat_id is None or project.agent_chat_platform != platform:
        return None
    message = None
    if message_id:
        message = await Message.get_or_none(id=message_id).prefetch_related("agent")
    await with_timezone(ticket)
    return EventContext(await ticket_queries.load(ticket), project, message)


async def with_timezone(ticket: Ticket) -> Ticket:
    """Sets `ticket.sla_timezone` (not a column): the project's time zone, in which the card
    and the SLA lines show due times. Read only for a ticket under service levels."""
    zone = "UTC"
    if ticket.sla_warn_before_minutes is not None:
        zone = (await service_levels.timezone_of(ticket.project_id)).key
    setattr(ticket, "sla_timezone", zone)  # noqa: B010 - an attribute, not a model field
    return ticket


async def closed_state_changed(ticket: Ticket, event: dict[str, Any]) -> bool:
    """Did this `status_changed` agent event enter or leave `closed` (topic name and state)?

    The event carries the change's `from`/`to`. A row queued before it did (still pending
    when the new code starts) has neither: it falls back to the ticket's latest webhook
    status event, as before — treating it as unchanged could leave a closed ticket's topic
    open."""
    if "from" in event and "to" in event:
        return TicketStatus.CLOSED in (event["from"], event["to"])
    last = (
        await OutboxEvent.filter(ticket_id=ticket.id, event=outbox.TICKET_STATUS_CHANGED)
        .order_by("-seq")
        .first()
    )
    change = (last.payload.get("data") or {}) if last else {}
    return TicketStatus.CLOSED in (change.get("from"), change.get("to"))
