"""The search's SQL (services.search): the `matched` CTE, the page and count statements, and
the choice of a lead word, for PostgreSQL (GIN indexes on `to_tsvector('simple', …)`,
migrations 0013 and 0014) and SQLite (FTS5, 0009).

On PostgreSQL a ticket's score is, per word, how many of its messages hold it, a subject
holding it counting SUBJECT_WEIGHT; every message row carries its ticket's project, so a hit
is checked for tenancy in the row read for its ticket, and only the tickets that can make the
page are read for their order (bench/README "Search", fourth form). On SQLite the score is
FTS5's bm25 rank, the subject's doubled.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tortoise.transactions import in_transaction

from services import sql
from services.ticket_queries import PROJECT_FILTER, SUMMARY_JOINS

SUBJECT_WEIGHT = 2
# A word leads (`lead_term`) when its estimated messages times this are still fewer than the
# other words' together: re-reading each of its tickets' messages (measured ~100 us a ticket
# of 10 messages) then costs less than visiting every message the others' index entries
# name (~2 us each). "order 4521" so reads a handful of messages instead of 100k+.
LEAD_RATIO = 40
SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"
WORD = re.compile(r"[^\W_]+")  # what a query term is made of (services.search.query_terms)


def matched_tickets(terms: list[str], first: int) -> tuple[str, list[Any]]:
    """The `matched (id, score)` CTE for other reads (the console inbox) and its values,
    numbered from `$first`; the project is `$1` of the caller's statement."""
    return _matched(terms, first, sql.dialect() != "sqlite")


# the very expressions of the GIN indexes (migration 0013), so a lookup uses them
_MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, m.text)"
_SUBJECT_VECTOR = "to_tsvector('simple'::regconfig, coalesce({t}.subject, ''))"


def _query(mark: str) -> str:
    return f"to_tsquery('simple'::regconfig, {mark})"


def _literal(term: str) -> str:
    return "'" + term + ":*'"


def _matched(
    terms: list[str], first: int, postgres: bool, lead: int | None = None
) -> tuple[str, list[Any]]:
    """`matched (id, score)`: the project's tickets ($1) holding every term, scored: per
    term, 1 for each of the ticket's messages holding it and SUBJECT_WEIGHT for its subject
    (PostgreSQL; FTS5's rank on SQLite).

    One index lookup per term and source (messages, subjects), a ticket kept when each term
    was found somewhere in it; or, with a `lead` term (PostgreSQL), the lookups of that term
    alone, the other terms checked in its tickets' own messages and subjects (same scores)."""
    values = [f"'{term}':*" if postgres else f'"{term}"*' for term in terms]
    marks = [f"${first + n}" for n in range(len(terms))]
    if postgres and lead is not None:
        return _led_by(lead, marks), values
    branches: list[str] = []
    for n, mark in enumerate(marks):
        if postgres:
            branches.extend(_lookups(n, mark))
        else:
            # FTS5 ranks only in a query over the FTS table alone: rank first, then join
            weight = f"CASE f.kind WHEN 's' THEN {SUBJECT_WEIGHT} ELSE 1 END"
            branches.append(
                f"SELECT f.ticket_id AS id, {n} AS term, -f.rank * {weight} AS score FROM"
                " (SELECT ticket_id, kind, rank FROM ticket_search"
                f" WHERE ticket_search MATCH {mark}) f"
            )
    hits = " UNION ALL ".join(branches)
    every_term = f" HAVING COUNT(DISTINCT term) = {len(terms)}" if len(terms) > 1 else ""
    matched = (
        f"matched AS (SELECT id, SUM(score) AS score FROM ({hits}) hits GROUP BY id{every_term})"
    )
    return matched, values


def _lookups(n: int, mark: str) -> list[str]:
    """Term n's hits in the project ($1) through the GIN indexes: a hit scores 1 per message
    (a subject: SUBJECT_WEIGHT); no vector is read or recomputed per hit, only the message's
    ticket and project (migration 0014 copied the project into the message for this)."""
    return [
        f"SELECT m.ticket_id AS id, {n} AS term, 1 AS score FROM messages m"
        f" WHERE {_MESSAGE_VECTOR} @@ {_query(mark)} AND m.project_id = $1",
        f"SELECT s.id, {n}, {SUBJECT_WEIGHT} FROM tickets s"
        f" WHERE s.project_id = $1 AND {_SUBJECT_VECTOR.format(t='s')} @@ {_query(mark)}",
    ]


def _led_by(lead: int, marks: list[str]) -> str:
    """`matched` from the lead term's tickets: each other term is scored in the ticket's own
    messages (found by the ticket and vectorised once for every term: `ts_match_vq` is `@@`
    that the planner does not turn into a lookup of the whole index) and subject, and must
    score."""
    hits = " UNION ALL ".join(_lookups(lead, marks[lead]))
    others = [n for n in range(len(marks)) if n != lead]
    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE ts_match_vq(v, {_query(marks[n])})) AS s{n}" for n in others
    )
    scores = " + ".join(
        f"x.s{n} + CASE WHEN ts_match_vq(sv.v, {_query(marks[n])}) THEN {SUBJECT_WEIGHT} ELSE 0 END"
        for n in others
    )
    every = " AND ".join(f"(x.s{n} > 0 OR ts_match_vq(sv.v, {_query(marks[n])}))" for n in others)
    return (
        f"matched AS (SELECT l.id, l.score + {scores} AS score"
        f" FROM (SELECT id, SUM(score) AS score FROM ({hits}) hits GROUP BY id) l"
        " JOIN tickets c ON c.id = l.id"
        f" CROSS JOIN LATERAL (SELECT {_SUBJECT_VECTOR.format(t='c')} AS v) sv"
        f" CROSS JOIN LATERAL (SELECT {counts} FROM (SELECT {_MESSAGE_VECTOR} AS v"
        " FROM messages m WHERE m.ticket_id = l.id OFFSET 0) mv) x"  # OFFSET: vectorised once
        f" WHERE {every})"
    )


async def lead_term(terms: list[str]) -> int | None:
    """PostgreSQL, several words: the word so much rarer than the others (by the planner's
    estimate of the messages holding each) that the others are best checked in its tickets
    only; None to look every word up in the indexes."""
    if len(terms) < 2 or sql.dialect() == "sqlite":
        return None
    estimates = []
    for term in terms:
        [row] = await sql.fetch(estimate_statement(term))
        estimates.append(planned_rows(row["QUERY PLAN"]))
    return choose_lead(estimates)


def estimate_statement(term: str) -> str:
    """EXPLAIN of the messages holding `term`: the planner's estimate, no message read. The
    prefix is a literal: query_terms keeps letters and digits only, nothing to quote."""
    if not WORD.fullmatch(term):
        raise ValueError(f"not a query term: {term!r}")
    return (
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM messages m"
        f" WHERE {_MESSAGE_VECTOR} @@ {_query(_literal(term))}"
    )


def planned_rows(plan: Any) -> float:
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


def choose_lead(estimates: list[float]) -> int | None:
    lead = min(range(len(estimates)), key=estimates.__getitem__)
    others = sum(estimates) - estimates[lead]
    return lead if estimates[lead] * LEAD_RATIO < others else None


async def fetch_serially(statement: str, *args: Any) -> list[dict[str, Any]]:
    """The statement without parallel workers on PostgreSQL (SERIAL, for this transaction
    only): a search's hits are a few thousand rows at most a worker would share, and starting
    workers cost more than they saved (bench/README "Search", fourth form)."""
    if sql.dialect() == "sqlite":
        return await sql.fetch(statement, *args)
    async with in_transaction():
        await sql.fetch(SERIAL)
        return await sql.fetch(statement, *args)


def search_statement(
    terms: list[str],
    where: list[str],
    arg_count: int,
    columns: str,
    *,
    postgres: bool,
    lead: int | None = None,
) -> tuple[str, list[Any]]:
    """The page statement (with the total in every row) and the term values that follow the
    filters' `arg_count` values; limit and offset come last (bench/search.py runs it bare).

    Only the tickets scoring at least the page's last score (`cut`) are joined for their
    order: on PostgreSQL `matched` holds the project's tickets alone, so with no other
    filter the total and the cut need no ticket row."""
    matched, values = _matched(terms, arg_count + 1, postgres, lead)
    n = arg_count + len(values)
    limit, offset = f"${n + 1}", f"${n + 2}"
    if postgres and where == [PROJECT_FILTER]:
        found = "found AS (SELECT id, score FROM matched)"
    else:
        found = (
            "found AS (SELECT x.id, x.score FROM matched x JOIN tickets t ON t.id = x.id"
            f" WHERE {' AND '.join(where)})"
        )
    order = " ORDER BY f.score DESC, f.created_at DESC, f.number DESC"
    statement = (
        f"WITH {matched}, {found},"
        " cut AS (SELECT score FROM found ORDER BY score DESC LIMIT 1"
        f" OFFSET CAST({limit} AS BIGINT) + CAST({offset} AS BIGINT) - 1),"
        " ranked AS (SELECT f.id, f.score, t.created_at, t.number FROM found f"
        " JOIN tickets t ON t.id = f.id WHERE f.score >= COALESCE((SELECT score FROM cut), 0)),"
        f" page AS (SELECT * FROM ranked f{order} LIMIT {limit} OFFSET {offset})"
        # the page's summary columns are joined last (found may be thousands)
        f" SELECT (SELECT COUNT(*) FROM found) AS total, {columns}"
        f" FROM page f JOIN tickets t ON t.id = f.id{SUMMARY_JOINS}{order}"
    )
    return statement, values


def count_statement(
    terms: list[str], where: list[str], arg_count: int, *, postgres: bool, lead: int | None
) -> tuple[str, list[Any]]:
    """How many tickets match (for a page past the last match, which carries no total)."""
    matched, values = _matched(terms, arg_count + 1, postgres, lead)
    statement = (
        f"WITH {matched} SELECT COUNT(*) AS n FROM matched x JOIN tickets t ON t.id = x.id"
        f" WHERE {' AND '.join(where)}"
    )
    return statement, values
