"""Full-text ticket search: `GET /v1/helpdesk/tickets?q=` and `/find` in the agent chat.

A ticket matches when every query word is found in its subject or in any of its messages
(customer, agent, internal notes). Words are matched by prefix after a light ending cut
(`query_terms`): "заказа" looks for `заказ*` and so finds "заказ", "заказы", "заказов";
"orders" looks for `order*`. Results are ranked by relevance, ties newest first; the total
counts every match. Relevance on PostgreSQL: for each word, how many of the ticket's messages
hold it, a subject holding it counting SUBJECT_WEIGHT; on SQLite, FTS5's bm25 rank, the
subject's doubled. The statements are services.search_statements'; on PostgreSQL a common
word is read from the word cache (services.search_words) once built — alone, beside other
words or under filters — with the very same tickets, order and total.

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
from services import search_statements, search_words, sql
from services.search_statements import (
    WORD,
    count_statement,
    fetch_serially,
    lead_term,
    prefix_value,
    search_statement,
)
from services.search_word_statements import word_count_statement, word_page_statement
from services.serializers import summary_from_row
from services.ticket_queries import (
    PROJECT_FILTER,
    SUMMARY_COLUMNS,
    SUMMARY_JOINS,
    list_ticket_summaries,
    ticket_filters,
)

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
    terms = query_terms(q)
    rows, plan = await _search(terms, where, args, SUMMARY_COLUMNS, limit, offset)
    total = int(rows[0]["total"]) if rows else await _count(terms, where, args, plan)
    if plan is not None and plan.alone and not plan.words:
        await search_words.remember_word(project.id, terms[0], total)
    return [summary_from_row(row) for row in rows], total


async def find_for_agents(project: Project, q: str) -> list[FoundTicket]:
    """`/find words`: the best FIND_LIMIT matches."""
    where, args = await ticket_filters(project)
    columns = "t.number, t.subject, t.status, t.agent_chat_id, t.agent_topic_id,"
    columns += " t.agent_card_message_id"
    rows, _ = await _search(query_terms(q), where, args, columns, FIND_LIMIT, 0)
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


async def matched_tickets(project: Project, terms: list[str], first: int) -> tuple[str, list[Any]]:
    """The `matched (id, score)` CTE of `terms` for another read of the project's tickets
    (the console inbox, `$1` its project) and its values from `$first`: the cached words
    read from their rows, a far rarer word leading, as a search would."""
    plan = await _plan(project.id, terms, alone=False)
    return search_statements.matched_tickets(
        terms, first, lead=plan.lead, words=plan.statement_words()
    )


# --- the statements -------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How a search runs: its words cached (by term index; PostgreSQL) and the word that
    leads, if any (search_statements.lead_term)."""

    words: dict[int, search_words.CachedWord]
    lead: int | None
    alone: bool  # one word, no filter but the project: the word cache's own statement

    @property
    def word(self) -> search_words.CachedWord | None:
        return self.words.get(0) if self.alone else None

    def word_values(self, project_id: Any, term: str) -> list[Any]:
        assert self.word is not None
        return [project_id, self.word.id, self.word.clean_before, prefix_value(term)]

    def statement_words(self) -> dict[int, tuple[Any, Any]]:
        return {n: (word.id, word.clean_before) for n, word in self.words.items()}


async def _plan(project_id: Any, terms: list[str], *, alone: bool) -> _Plan:
    """`alone`: the search has no filter but the project (one word alone: the word cache's
    own statement)."""
    words: dict[int, search_words.CachedWord] = {}
    for n, term in enumerate(terms):
        word = await search_words.cached_word(project_id, term)
        if word is not None:
            words[n] = word
    sizes = {n: float(word.total) for n, word in words.items()}
    return _Plan(words, await lead_term(terms, sizes), alone and len(terms) == 1)


async def _search(
    terms: list[str],
    where: list[str],
    args: list[Any],
    columns: str,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], _Plan | None]:
    """The page's rows and how they were found."""
    if not terms:
        return [], None
    plan = await _plan(args[0], terms, alone=where == [PROJECT_FILTER])
    if plan.word is not None:
        statement = word_page_statement(columns, SUMMARY_JOINS)
        values = plan.word_values(args[0], terms[0])
        return await fetch_serially(statement, *values, limit, offset), plan
    statement, values = search_statement(
        terms,
        where,
        len(args),
        columns,
        postgres=sql.dialect() != "sqlite",
        lead=plan.lead,
        words=plan.statement_words(),
    )
    return await fetch_serially(statement, *args, *values, limit, offset), plan


async def _count(terms: list[str], where: list[str], args: list[Any], plan: _Plan | None) -> int:
    """The total when the page is empty (past the last match): no row carried it."""
    if not terms or plan is None:
        return 0
    if plan.word is not None:
        rows = await fetch_serially(word_count_statement(), *plan.word_values(args[0], terms[0]))
        return int(rows[0]["n"])
    statement, values = count_statement(
        terms,
        where,
        len(args),
        postgres=sql.dialect() != "sqlite",
        lead=plan.lead,
        words=plan.statement_words(),
    )
    rows = await fetch_serially(statement, *args, *values)
    return int(rows[0]["n"]) if rows else 0
