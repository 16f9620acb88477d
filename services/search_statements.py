"""The search's SQL (services.search): the `matched` CTE, the page and count statements, and
the choice of a lead word, for PostgreSQL (GIN indexes on `to_tsvector('simple', …)`,
migrations 0013 and 0014) and SQLite (FTS5, 0009).

On PostgreSQL a ticket's score is, per word, how many of its messages hold it, a subject
holding it counting SUBJECT_WEIGHT; every message row carries its ticket's project, so a hit
is checked for tenancy in the row read for its ticket, and only the tickets that can make the
page are read for their order (bench/README "Search", fourth form). A word in the word cache
(services.search_words) is read from its rows instead of the index: its tickets when it
leads or stands alone, one probe a ticket when another word leads (fifth form). On SQLite
the score is FTS5's bm25 rank, the subject's doubled.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tortoise.transactions import in_transaction

from services import sql
from services.search_expressions import (
    MESSAGE_VECTOR,
    SUBJECT_VECTOR,
    SUBJECT_WEIGHT,
    changed_tickets,
    prefix_value,
    ticket_score,
    tsquery,
    word_hits,
)
from services.ticket_queries import PROJECT_FILTER, SUMMARY_JOINS

__all__ = ["SUBJECT_WEIGHT", "prefix_value"]  # the search's, re-exported

# A word leads (`lead_term`) when its estimated messages times this are still fewer than the
# other words' together: re-reading each of its tickets' messages (measured ~100 us a ticket
# of 10 messages) then costs less than visiting every message the others' index entries
# name (~2 us each). "order 4521" so reads a handful of messages instead of 100k+.
LEAD_RATIO = 40
# a search's settings, for its transaction only (SET LOCAL in one statement): no parallel
# workers (fourth form) and no JIT, whose compiling took ~60 ms once a cached word's rows
# were analysed and the estimates crossed `jit_above_cost` (fifth form)
SERIAL = (
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('jit', 'off', true)"
)
WORD = re.compile(r"[^\W_]+")  # what a query term is made of (services.search.query_terms)


def matched_tickets(
    terms: list[str], first: int, lead: int | None = None, words: Words | None = None
) -> tuple[str, list[Any]]:
    """The `matched (id, score)` CTE for other reads (the console inbox) and its values,
    numbered from `$first`; the project is `$1` of the caller's statement."""
    return _matched(terms, first, sql.dialect() != "sqlite", lead, words)


def _literal(term: str) -> str:
    return "'" + term + ":*'"


# term index -> (the word's id, its clean_before): the cached words of a query
Words = dict[int, tuple[Any, Any]]


def _matched(
    terms: list[str],
    first: int,
    postgres: bool,
    lead: int | None = None,
    words: Words | None = None,
) -> tuple[str, list[Any]]:
    """`matched (id, score)`: the project's tickets ($1) holding every term, scored: per
    term, 1 for each of the ticket's messages holding it and SUBJECT_WEIGHT for its subject
    (PostgreSQL; FTS5's rank on SQLite).

    One index lookup per term and source (messages, subjects), or a cached word's tickets
    (`words`, PostgreSQL), a ticket kept when each term was found somewhere in it; or, with
    a `lead` term, that term's tickets alone, each other term checked in them (same
    scores). The values: the terms', then each cached word's id and clean_before."""
    values = [prefix_value(term) if postgres else f'"{term}"*' for term in terms]
    marks = [f"${first + n}" for n in range(len(terms))]
    cached: dict[int, tuple[str, str]] = {}
    for n, (word_id, clean_before) in sorted((words or {}).items()):
        cached[n] = (f"${first + len(values)}", f"${first + len(values) + 1}")
        values += [word_id, clean_before]
    if postgres and len(terms) > 1 and len(cached) == len(terms):
        return _all_cached(marks, cached), values
    if postgres and lead is not None:
        return _led_by(lead, marks, cached), values
    branches: list[str] = []
    for n, mark in enumerate(marks):
        if postgres and n in cached:
            hits = word_hits(*cached[n], mark)
            branches.append(f"SELECT id, {n} AS term, score FROM ({hits}) wh")
        elif postgres:
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
        f" WHERE {MESSAGE_VECTOR} @@ {tsquery(mark)} AND m.project_id = $1",
        f"SELECT s.id, {n}, {SUBJECT_WEIGHT} FROM tickets s"
        f" WHERE s.project_id = $1 AND {SUBJECT_VECTOR.format(t='s')} @@ {tsquery(mark)}",
    ]


def _all_cached(marks: list[str], cached: dict[int, tuple[str, str]]) -> str:
    """`matched` when every word is cached: the tickets in every word's rows (an index-only
    join), their scores summed, but for the tickets changed since the oldest of the words'
    rows, all scored afresh."""
    words = range(len(marks))
    clean = f"LEAST({', '.join(f'CAST({cached[n][1]} AS TIMESTAMPTZ)' for n in words)})"
    rows = "".join(
        f" JOIN search_word_tickets w{n} ON w{n}.word_id = {cached[n][0]}"
        f" AND w{n}.ticket_id = w0.ticket_id"
        for n in words
        if n
    )
    afresh = ", ".join(f"{ticket_score('u', marks[n])} AS s{n}" for n in words)
    return (
        f"matched AS (SELECT w0.ticket_id AS id, {' + '.join(f'w{n}.score' for n in words)}"
        f" AS score FROM search_word_tickets w0{rows} WHERE w0.word_id = {cached[0][0]}"
        f" AND w0.ticket_id NOT IN ({changed_tickets(clean)})"
        f" UNION ALL SELECT u.id, {' + '.join(f's.s{n}' for n in words)} FROM tickets u"
        f" CROSS JOIN LATERAL (SELECT {afresh}) s WHERE u.project_id = $1"
        f" AND u.updated_at > {clean} AND {' AND '.join(f's.s{n} > 0' for n in words)})"
    )


def _led_by(lead: int, marks: list[str], cached: dict[int, tuple[str, str]]) -> str:
    """`matched` from the lead term's tickets (its lookups, or its cached word's tickets):
    each other term must score in the ticket. A cached word's score is its row's (joined to
    a cached lead's thousands of tickets; probed for each of a rare lead's few, where
    hashing all its rows cost 3-4 times more), afresh for a ticket changed since; any other
    word's is counted in the ticket's own messages (found by the ticket and vectorised once
    for every such word: `ts_match_vq` is `@@` that the planner does not turn into a lookup
    of the whole index) and subject."""
    if lead in cached:
        led = f"({word_hits(*cached[lead], marks[lead])}) l"
    else:
        hits = " UNION ALL ".join(_lookups(lead, marks[lead]))
        led = f"(SELECT id, SUM(score) AS score FROM ({hits}) hits GROUP BY id) l"
    others = [n for n in range(len(marks)) if n != lead]
    checked = [n for n in others if n not in cached]
    scores: list[str] = []
    every: list[str] = []
    joins = ""
    for n in others:
        if n not in cached:
            continue
        word, clean = cached[n]
        afresh = f"(SELECT {ticket_score('u', marks[n])} FROM tickets u WHERE u.id = l.id)"
        if lead in cached:  # thousands of tickets: joined, the planner hashes or merges
            joins += (
                f" LEFT JOIN search_word_tickets w{n} ON w{n}.word_id = {word}"
                f" AND w{n}.ticket_id = l.id"
            )
            row = f"w{n}.score"
        else:  # a rare word's few: a probe each, index-only (the index covers the score)
            row = (
                f"(SELECT w.score FROM search_word_tickets w WHERE w.word_id = {word}"
                " AND w.ticket_id = l.id)"
            )
        joins += (
            f" CROSS JOIN LATERAL (SELECT CASE WHEN l.id IN ({changed_tickets(clean)})"
            f" THEN {afresh} ELSE COALESCE({row}, 0) END AS s) p{n}"
        )
        scores.append(f"p{n}.s")
        every.append(f"p{n}.s > 0")
    if checked:
        counts = ", ".join(
            f"COUNT(*) FILTER (WHERE ts_match_vq(v, {tsquery(marks[n])})) AS s{n}"
            for n in checked
        )
        joins += (
            " JOIN tickets c ON c.id = l.id"
            f" CROSS JOIN LATERAL (SELECT {SUBJECT_VECTOR.format(t='c')} AS v) sv"
            f" CROSS JOIN LATERAL (SELECT {counts} FROM (SELECT {MESSAGE_VECTOR} AS v"
            " FROM messages m WHERE m.ticket_id = l.id OFFSET 0) mv) x"  # OFFSET: vectorised once
        )
        for n in checked:
            subject = f"ts_match_vq(sv.v, {tsquery(marks[n])})"
            scores.append(f"x.s{n} + CASE WHEN {subject} THEN {SUBJECT_WEIGHT} ELSE 0 END")
            every.append(f"(x.s{n} > 0 OR {subject})")
    return (
        f"matched AS (SELECT l.id, l.score + {' + '.join(scores)} AS score"
        f" FROM {led}{joins} WHERE {' AND '.join(every)})"
    )


async def lead_term(terms: list[str], sizes: dict[int, float] | None = None) -> int | None:
    """PostgreSQL, several words: the word so much rarer than the others that the others are
    best checked in its tickets only; None to look every word up in the indexes. A word's
    size: its cached word's total (`sizes`), else the planner's estimate of its messages."""
    if len(terms) < 2 or sql.dialect() == "sqlite":
        return None
    sizes = sizes or {}
    estimates = []
    for n, term in enumerate(terms):
        if n in sizes:
            estimates.append(sizes[n])
            continue
        [row] = await sql.fetch(estimate_statement(term))
        estimates.append(planned_rows(row["QUERY PLAN"]))
    return choose_lead(estimates, cached=set(sizes))


def estimate_statement(term: str) -> str:
    """EXPLAIN of the messages holding `term`: the planner's estimate, no message read. The
    prefix is a literal: query_terms keeps letters and digits only, nothing to quote."""
    if not WORD.fullmatch(term):
        raise ValueError(f"not a query term: {term!r}")
    return (
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM messages m"
        f" WHERE {MESSAGE_VECTOR} @@ {tsquery(_literal(term))}"
    )


def planned_rows(plan: Any) -> float:
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


def choose_lead(estimates: list[float], cached: set[int] | None = None) -> int | None:
    """The smallest word leads when its size times LEAD_RATIO is below the others' together,
    or whenever every other word is cached (checking one costs an index probe a ticket)."""
    lead = min(range(len(estimates)), key=estimates.__getitem__)
    if all(n in (cached or set()) for n in range(len(estimates)) if n != lead):
        return lead
    others = sum(estimates) - estimates[lead]
    return lead if estimates[lead] * LEAD_RATIO < others else None


async def fetch_serially(statement: str, *args: Any) -> list[dict[str, Any]]:
    """The statement without parallel workers or JIT on PostgreSQL (SERIAL, for this
    transaction only): a search's hits are a few thousand rows at most a worker would share,
    and starting workers or compiling cost more than they saved (bench/README "Search")."""
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
    words: Words | None = None,
) -> tuple[str, list[Any]]:
    """The page statement (with the total in every row) and the term values that follow the
    filters' `arg_count` values; limit and offset come last (bench/search.py runs it bare).

    Only the tickets scoring at least the page's last score (`cut`) are joined for their
    order: on PostgreSQL `matched` holds the project's tickets alone, so with no other
    filter the total and the cut need no ticket row."""
    matched, values = _matched(terms, arg_count + 1, postgres, lead, words)
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
    terms: list[str],
    where: list[str],
    arg_count: int,
    *,
    postgres: bool,
    lead: int | None,
    words: Words | None = None,
) -> tuple[str, list[Any]]:
    """How many tickets match (for a page past the last match, which carries no total)."""
    matched, values = _matched(terms, arg_count + 1, postgres, lead, words)
    statement = (
        f"WITH {matched} SELECT COUNT(*) AS n FROM matched x JOIN tickets t ON t.id = x.id"
        f" WHERE {' AND '.join(where)}"
    )
    return statement, values
