"""New service levels for the tickets already open: when a project's settings change, every
open ticket's due times, paused minutes, warnings and next check are computed again under the
new rules (`sla.recompute`: from when each clock started), in the settings' own transaction.

Set-based in bounded batches: BATCH open tickets at a time, read row-locked in id order (a
ticket use case running meanwhile either finished first and is seen, or waits and then reads
the new settings), and each batch's changed rows written by one pipelined UPDATE. The timer
(services.sla_timers) then finds them through `sla_next_check_at` as always.
"""

from __future__ import annotations

import uuid
from typing import Any

from models import Ticket
from models.enums import TicketStatus
from services import clock, sla, sql
from services.service_levels import Levels

BATCH = 500
_SET = ", ".join(f"{column} = ${n}" for n, column in enumerate(sla.COLUMNS, start=1))
UPDATE = f"UPDATE tickets SET {_SET} WHERE id = ${len(sla.COLUMNS) + 1}"
_FIELDS = {column: Ticket._meta.fields_map[column] for column in sla.COLUMNS}


def _row(changes: dict[str, Any], ticket_id: uuid.UUID) -> tuple[Any, ...]:
    values = [_FIELDS[column].to_db_value(changes[column], Ticket) for column in sla.COLUMNS]
    return (*values, ticket_id)


async def reapply(project_id: uuid.UUID, before: Levels, after: Levels) -> int:
    """Inside the caller's transaction: every open ticket of the project under `after`
    (`before`: the levels it was computed under). Returns how many tickets changed."""
    now = clock.now()
    changed = 0
    last: uuid.UUID | None = None
    while True:
        query = Ticket.filter(project_id=project_id).exclude(status=TicketStatus.CLOSED)
        if last is not None:
            query = query.filter(id__gt=last)
        batch = await query.order_by("id").limit(BATCH).select_for_update()
        rows = []
        for ticket in batch:
            old = {column: getattr(ticket, column) for column in sla.COLUMNS}
            new = sla.recompute(ticket, before, after, now)
            if new != old:
                rows.append(_row(new, ticket.id))
        await sql.execute_many(UPDATE, rows)
        changed += len(rows)
        if len(batch) < BATCH:
            return changed
        last = batch[-1].id
