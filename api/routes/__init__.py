"""One module per resource; each exports OPERATIONS for the router and the OpenAPI document."""

from __future__ import annotations

from api.context import Operation
from api.routes import (
    agents,
    broadcasts,
    canned_replies,
    messages,
    ratings,
    requests,
    service_levels,
    subscribers,
    ticket_types,
    tickets,
    webhook_settings,
)

OPERATIONS: list[Operation] = [
    *tickets.OPERATIONS,
    *ticket_types.OPERATIONS,
    *agents.OPERATIONS,
    *requests.OPERATIONS,
    *ratings.OPERATIONS,
    *service_levels.OPERATIONS,
    *canned_replies.OPERATIONS,
    *subscribers.OPERATIONS,
    *messages.OPERATIONS,
    *broadcasts.OPERATIONS,
    *webhook_settings.OPERATIONS,
]
