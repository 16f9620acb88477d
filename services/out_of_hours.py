"""The out-of-hours reply: a customer who writes while the team is closed is told, once per
ticket per closed period, when it is back (the project's service levels,
`out_of_hours_reply`). Called by both write paths of a customer's message."""

from __future__ import annotations

from datetime import datetime

from models import Subscriber, Ticket
from models.enums import Channel
from services import notifications
from services.business_hours import next_opening
from services.service_levels import Levels


async def out_of_hours_reply(
    ticket: Ticket, levels: Levels, now: datetime, *, subscriber: Subscriber | None = None
) -> bool:
    """Outside business hours, once per ticket per closed period (named by when it ends):
    the customer is told when the team is back. Whether it was sent."""
    reply = levels.out_of_hours_reply
    calendar = levels.calendar
    if not reply["enabled"] or calendar.always_open or ticket.channel == Channel.VIRTUAL:
        return False
    opening = next_opening(calendar, now)
    if opening == now:
        return False
    state = dict(ticket.sla_state or {})
    period = opening.isoformat()
    if state.get("out_of_hours_until") == period:
        return False
    state["out_of_hours_until"] = period
    ticket.sla_state = state
    await Ticket.filter(id=ticket.id).update(sla_state=state)
    back_at = f"{opening.astimezone(calendar.tz):%Y-%m-%d %H:%M} ({calendar.tz.key})"
    text = reply["text"].replace("{back_at}", back_at) if reply["text"] else None
    await notifications.notify_customer(
        ticket, "sla-out-of-hours", text=text, back_at=back_at, subscriber=subscriber
    )
    return True
