"""Full-text ticket search: `GET /v1/helpdesk/tickets?q=` and `/find` in the agent chat.

A ticket matches when every query word is found in its subject or in any of its messages
(customer, agent, internal notes). Words are matched by prefix after a light ending cut
(`query_terms`): "заказа" looks for `заказ*` and so finds "заказ", "заказы", "заказов";
"orders" looks for `order*`. Results are ranked by relevance, ties newest first; the total
counts every match. Relevance on PostgreSQL: for each word, how many of the ticket's messages
hold it, a subject holding it counting SUBJECT_WEIGHT; on SQLite, FTS5's bm25 rank, the
subject's doubled. The statements are services.search_statements'.

The indexes are kept by the database in the statement that writes the row, whatever the
path: on PostgreSQL GIN indexes on `to_tsvector('simple', …)` of a message's text and of a
ticket's subject (models/migrations/0013_search_expression_indexes.py), on SQLite an FTS5
table filled by triggers (0009_search.py).
User words reach neither query language as syntax: `query_terms` keeps letters and digits
only, and they travel as bound parameters.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models import Project
from models.enums import Channel, TicketStatus
from services import sql
from services.search_statements import (
    WORD,
    count_statement,
    fetch_serially,
    lead_term,
    search_statement,
)
from services.serializers import summary_from_row
from services.ticket_queries import SUMMARY_COLUMNS, list_ticket_summaries, ticket_filters

MAX_TERMS = 5  # more words narrow a search little and each costs an index scan
MIN_STEM = 3
FIND_LIMIT = 10
# common inflectional endings, longest first; cut only when a stem of MIN_STEM letters is left
_RU_ENDINGS = sorted(
    "иями ями ами иях ях ах ого его ому ему ыми ими ов ев ей ий ый ой ая яя ое ее ые ие ую "
    "юю ом ем ам ям а я ы и у ю е о ь й".split(),
    key=len,
    reverse=True,
)
_EN_ENDINGS = ("ing", "ies", "ied", "es", "ed", "s", "ly")
_CYRILLIC = re.compile(r"[а-яё]")


def _stem(word: str) -> str:
    endings = _RU_ENDINGS if _CYRILLIC.search(word) else _EN_ENDINGS
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def query_terms(q: str) -> list[str]:
    """The prefixes a query looks for: its words lowercased, letters and digits only, each cut
    to its stem (a prefix of the word, so a plain prefix match is never lost), at most
    MAX_TERMS of them, duplicates dropped."""
    terms: list[str] = []
    for word in WORD.findall(q.lower()):
        term = _stem(word)
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


@dataclass(frozen=True)
class FoundTicket:
    """A ticket as `/find` lists it, with where it lives in the agent chat."""

    number: int
    subject: str | None
    status: TicketStatus
    agent_chat_id: int | None
    agent_topic_id: int | None
    agent_card_message_id: int | None


async def search_tickets(
    project: Project,
    q: str | None,
    *,
    statuses: Sequence[TicketStatus] = (),
    assigned_to: uuid.UUID | None = None,
    channel: Channel | None = None,
    sla: str | None = None,
    sort: str = "created",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the project's tickets matching `q` (with the list's filters), best first,
    as ticket summaries, and how many match; without `q`, the plain list, newest first."""
    if q is None:
        return await list_ticket_summaries(
            project,
            statuses=statuses,
            assigned_to=assigned_to,
            channel=channel,
            sla=sla,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    # with words the order is relevance (`sort` applies to the plain list)
    where, args = await ticket_filters(
        project, statuses=statuses, assigned_to=assigned_to, channel=channel, sla=sla
    )
    rows = await _search(query_terms(q), where, args, SUMMARY_COLUMNS, limit, offset)
    total = int(rows[0]["total"]) if rows else await _count(query_terms(q), where, args)
    return [summary_from_row(row) for row in rows], total


async def find_for_agents(project: Project, q: str) -> list[FoundTicket]:
    """`/find words`: the best FIND_LIMIT matches."""
    where, args = await ticket_filters(project)
    columns = "t.number, t.subject, t.status, t.agent_chat_id, t.agent_topic_id,"
    columns += " t.agent_card_message_id"
    rows = await _search(query_terms(q), where, args, columns, FIND_LIMIT, 0)
    return [
        FoundTicket(
            number=int(row["number"]),
            subject=row["subject"],
            status=TicketStatus(row["status"]),
            agent_chat_id=row["agent_chat_id"],
            agent_topic_id=row["agent_topic_id"],
            agent_card_message_id=row["agent_card_message_id"],
        )
        for row in rows
    ]


# --- the statements -------------------------------------------------------------------


async def _search(
    terms: list[str],
    where: list[str],
    args: list[Any],
    columns: str,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    if not terms:
        return []
    statement, values = search_statement(
        terms,
        where,
        len(args),
        columns,
        postgres=sql.dialect() != "sqlite",
        lead=await lead_term(terms),
    )
    return await fetch_serially(statement, *args, *values, limit, offset)


async def _count(terms: list[str], where: list[str], args: list[Any]) -> int:
    """The total when the page is empty (past the last match): no row carried it."""
    if not terms:
        return 0
    statement, values = count_statement(
        terms, where, len(args), postgres=sql.dialect() != "sqlite", lead=await lead_term(terms)
    )
    rows = await fetch_serially(statement, *args, *values)
    return int(rows[0]["n"]) if rows else 0
