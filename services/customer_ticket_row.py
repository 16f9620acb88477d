"""The ticket a customer writes in, as one joined row: the ticket with its type, assignee
and project, in the hand-written SQL of the customer write path (`services.customer_messages`).

- `touch_postgres` / `touch_sqlite`: the ticket's `last_customer_message_at` and
  `updated_at` set and the joined row read back (for the locked path);
- `read_for_customer` reads the row with the row versions (`xmin`) of the ticket and its
  relations, and `version_checks` are the conditions that they are still current (for the
  PostgreSQL path without a transaction);
- `ticket_from_row` builds the models from such a row without the ORM's queries.

bench/README.md ("Bot") measures this path; keep its statements as they are.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any, NamedTuple

from models import Agent, Project, Ticket, TicketType
from services import sql
from services.errors import NotFound


class Target(NamedTuple):
    """Which ticket: its id, scoped by project and/or subscriber (also the key of
    customer_messages' snapshots)."""

    ticket_id: uuid.UUID
    project_id: uuid.UUID | None
    subscriber_id: uuid.UUID | None


UPDATED_AT = Ticket._meta.fields_map["updated_at"]
_TOUCH_SET = "SET last_customer_message_at = $1, updated_at = $1 WHERE id = $2"


@lru_cache(maxsize=1)
def _touch_columns() -> str:
    # built on first use: foreign-key columns exist only once Tortoise is initialised
    return ", ".join(
        (
            sql.columns(Ticket, "t", "t_"),
            sql.columns(TicketType, "tt", "tt_"),
            sql.columns(Agent, "a", "a_"),
            sql.columns(Project, "p", "p_"),
        )
    )


_TOUCH_JOINS = (
    " LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id"
    " LEFT JOIN agents a ON a.id = t.assignee_id"
    " JOIN projects p ON p.id = t.project_id"
)


def _touch_filters(project: bool, subscriber: bool, alias: str) -> str:
    where = ""
    if project:
        where += f" AND {alias}project_id = $3"
    if subscriber:
        where += f" AND {alias}subscriber_id = ${4 if project else 3}"
    return where


def _split_row(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    n = len(prefix)
    return {k[n:]: v for k, v in row.items() if k.startswith(prefix)}


def ticket_from_row(row: dict[str, Any]) -> Ticket:
    """The ticket with its type, assignee and project from a `_touch_columns()` row."""
    ticket = Ticket._init_from_db(**_split_row(row, "t_"))
    type_row = _split_row(row, "tt_")
    ticket.ticket_type = (
        TicketType._init_from_db(**type_row) if type_row["id"] is not None else None
    )
    agent_row = _split_row(row, "a_")
    ticket.assignee = Agent._init_from_db(**agent_row) if agent_row["id"] is not None else None
    ticket.project = Project._init_from_db(**_split_row(row, "p_"))
    return ticket


def _touch_args(target: Target, now: Any) -> tuple[list[Any], str, str]:
    """The touch statement's values and its extra conditions (on `tickets`, on alias `t`)."""
    args: list[Any] = [UPDATED_AT.to_db_value(now, Ticket), target.ticket_id]
    if target.project_id is not None:
        args.append(target.project_id)
    if target.subscriber_id is not None:
        args.append(target.subscriber_id)
    has_project, has_subscriber = target.project_id is not None, target.subscriber_id is not None
    return (
        args,
        _touch_filters(has_project, has_subscriber, ""),
        _touch_filters(has_project, has_subscriber, "t."),
    )


async def touch_postgres(target: Target, now: Any) -> Ticket:
    """PostgreSQL: the ticket's `last_customer_message_at` / `updated_at` set to `now` and
    the ticket read with its type, assignee and project in one statement (the UPDATE locks
    the row until the transaction ends; `… RETURNING` joined with the relations)."""
    args, where, _ = _touch_args(target, now)
    row = await sql.fetch_one(
        f"WITH t AS (UPDATE tickets {_TOUCH_SET}{where} RETURNING *)"
        f" SELECT {_touch_columns()} FROM t{_TOUCH_JOINS}",
        *args,
    )
    if row is None:
        raise NotFound("ticket not found")
    return ticket_from_row(row)


async def touch_sqlite(target: Target, now: Any) -> Ticket:
    """SQLite: the same as `touch_postgres` in two statements — the UPDATE (the write
    transaction holds the database), then the joined SELECT."""
    args, where, joined_where = _touch_args(target, now)
    await sql.fetch(f"UPDATE tickets {_TOUCH_SET}{where}", *args)
    row = await sql.fetch_one(
        f"SELECT {_touch_columns()} FROM tickets t{_TOUCH_JOINS} WHERE t.id = $2{joined_where}",
        *args,
    )
    if row is None:
        raise NotFound("ticket not found")
    return ticket_from_row(row)


# --- the row versions, for the PostgreSQL write without a transaction ----------------------

_VERSIONS = ", t.xmin AS v_ticket, tt.xmin AS v_type, a.xmin AS v_agent, p.xmin AS v_project"


async def read_for_customer(target: Target) -> dict[str, Any]:
    """The joined ticket row with the row versions of the ticket and its relations."""
    args: list[Any] = [target.ticket_id]
    where = " WHERE t.id = $1"
    if target.project_id is not None:
        args.append(target.project_id)
        where += f" AND t.project_id = ${len(args)}"
    if target.subscriber_id is not None:
        args.append(target.subscriber_id)
        where += f" AND t.subscriber_id = ${len(args)}"
    row = await sql.fetch_one(
        f"SELECT {_touch_columns()}{_VERSIONS} FROM tickets t{_TOUCH_JOINS}{where}", *args
    )
    if row is None:
        raise NotFound("ticket not found")
    return row


def version_checks(row: dict[str, Any], values: list[Any]) -> str:
    """`AND …` conditions: the ticket, its type, assignee and project are as in `row`."""
    values.append(row["v_ticket"])
    where = f" AND xmin = ${len(values)}"
    for table, key, version in (
        ("ticket_types", "tt_id", "v_type"),
        ("agents", "a_id", "v_agent"),
        ("projects", "p_id", "v_project"),
    ):
        if row[key] is not None:
            values.extend((row[key], row[version]))
            where += f" AND (SELECT xmin FROM {table} WHERE id = ${len(values) - 1})"
            where += f" = ${len(values)}"
    return where
