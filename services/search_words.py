"""The search's word cache (PostgreSQL): a word that matches thousands of tickets is read
from stored scores instead of every matching message: searched alone, a page and the total
come from its rows (services.search_word_statements); beside other words or filters, its
tickets or one probe a ticket (services.search_statements).

Why: a word in ~10 % of 1M messages names ~100k of them; reading each for its ticket and
grouping ~75k tickets took ~230 ms whatever the index (bench/README "Search", fifth form),
while the page needs 50 tickets and the total one number.

How it stays exact: a cached word's rows hold the score (services.search_statements) of
every matching ticket whose `updated_at` is at most the word's `clean_before`, as the
ticket is now. Every write that changes what a ticket matches (a message, an internal note,
an edit) sets the ticket's `updated_at` in its own transaction, so a search scores the
tickets changed after `clean_before` afresh from their own messages and takes the rest
from the rows. The worker (`refresh_due`) rescores the changed tickets into the rows every
REFRESH and moves `clean_before` to SETTLE ago: a write sets `updated_at` and commits well
within SETTLE, so no write lands behind the mark unseen.

A word is cached after a search for it alone found HOT_TICKETS tickets or more, built by
the worker within a tick (searches before that take the plain path), and dropped when
nobody searched for it for UNUSED. A word the worker has not refreshed for STALE (worker
down) is not used: correct either way, but the changed tickets would pile up. SQLite keeps
its FTS5 path alone (its rank is bm25; a small install does not need this).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import Ticket
from services import clock, sql
from services.search_statements import SERIAL, prefix_value
from services.search_word_statements import build_word_statement, rescore_word_statement

log = logging.getLogger(__name__)

HOT_TICKETS = 2_000  # a word matching this many tickets is cached (the plain path: ~10 ms)
MAX_WORDS = 100  # per project; a word of 75k tickets takes ~22 MB (rows and 3 indexes)
REFRESH = timedelta(seconds=60)
SETTLE = timedelta(minutes=5)
STALE = timedelta(hours=1)
UNUSED = timedelta(days=30)
TOUCH = timedelta(days=1)  # `searched_at` is written at most this often per word


@dataclass(frozen=True)
class CachedWord:
    id: uuid.UUID
    clean_before: datetime
    total: int  # its rows: about how many tickets it matches (a search's size of it)


def _postgres() -> bool:
    return sql.dialect() != "sqlite"


async def cached_word(project_id: uuid.UUID, term: str) -> CachedWord | None:
    """The project's built, fresh cache of `term`, noted as searched; None to search plainly."""
    if not _postgres():
        return None
    row = await sql.fetch_one(
        "SELECT id, clean_before, total, searched_at FROM search_words"
        " WHERE project_id = $1 AND term = $2",
        project_id,
        term,
    )
    if row is None or row["clean_before"] is None:
        return None
    now = clock.now()
    if row["clean_before"] < now - SETTLE - STALE:
        return None
    if row["searched_at"] < now - TOUCH:
        await sql.fetch("UPDATE search_words SET searched_at = $2 WHERE id = $1", row["id"], now)
    return CachedWord(row["id"], row["clean_before"], int(row["total"]))


async def remember_word(project_id: uuid.UUID, term: str, total: int) -> bool:
    """After a plain search for `term` alone: cache it when it matched HOT_TICKETS or more
    (the worker builds it at its next tick). True when it was added."""
    if total < HOT_TICKETS or not _postgres():
        return False
    now = clock.now()
    rows = await sql.fetch(
        "INSERT INTO search_words (id, project_id, term, total, due_at, searched_at)"
        " SELECT CAST($1 AS UUID), CAST($2 AS UUID), CAST($3 AS TEXT), 0,"
        " CAST($4 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ)"
        " WHERE (SELECT COUNT(*) FROM search_words WHERE project_id = $2) < $5"
        " ON CONFLICT (project_id, term) DO NOTHING RETURNING id",
        uuid.uuid4(),
        project_id,
        term,
        now,
        MAX_WORDS,
    )
    return bool(rows)


@dataclass
class RefreshReport:
    built: int = 0
    refreshed: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.built + self.refreshed + self.dropped


async def refresh_due(limit: int = 100) -> RefreshReport:
    """The worker's tick: drop words unused for UNUSED, then build or refresh up to `limit`
    due words, each in a transaction of its own that holds the word's row, so a second
    worker skips it (SKIP LOCKED) and a crash leaves it due."""
    report = RefreshReport()
    if not _postgres():
        return report
    now = clock.now()
    dropped = await sql.fetch(
        "DELETE FROM search_words WHERE searched_at < $1 RETURNING id", now - UNUSED
    )
    report.dropped = len(dropped)
    for _ in range(limit):
        done = await _refresh_one(clock.now())
        if done is None:
            break
        if done:
            report.built += 1
        else:
            report.refreshed += 1
    if report.built:
        # a new word's rows are thousands at once: without fresh statistics the planner took
        # them for ~1,000 and chose plans that cost several times more; and a probe reads
        # the index alone only once its pages are marked all-visible (outside a transaction)
        await sql.fetch("VACUUM (ANALYZE) search_word_tickets")
    return report


async def _refresh_one(now: datetime) -> bool | None:
    """Build (True) or refresh (False) the most overdue word; None when none is due."""
    async with in_transaction():
        word = await sql.fetch_one(
            "SELECT id, project_id, term, clean_before FROM search_words WHERE due_at <= $1"
            " ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED",
            now,
        )
        if word is None:
            return None
        await sql.fetch(SERIAL)
        clean_before = now - SETTLE
        built = word["clean_before"] is None
        await _rescore(word, clean_before if built else word["clean_before"], built=built)
        total = await sql.fetch_one(
            "SELECT COUNT(*) AS n FROM search_word_tickets WHERE word_id = $1", word["id"]
        )
        assert total is not None
        await sql.fetch(
            "UPDATE search_words SET clean_before = $2, total = $3, due_at = $4 WHERE id = $1",
            word["id"],
            clean_before,
            int(total["n"]),
            now + REFRESH,
        )
    log.debug("search word %s %s", word["term"], "built" if built else "refreshed")
    return built


async def _rescore(word: dict[str, Any], since: datetime, *, built: bool) -> None:
    """All the word's rows afresh (a build), or those of the tickets changed after `since`."""
    values = (word["project_id"], word["id"], prefix_value(word["term"]))
    if built:
        await sql.fetch("DELETE FROM search_word_tickets WHERE word_id = $1", word["id"])
        await sql.fetch(build_word_statement(), *values)
        return
    await sql.fetch(
        "DELETE FROM search_word_tickets c USING tickets t"
        " WHERE c.word_id = $1 AND t.id = c.ticket_id AND t.project_id = $2"
        " AND t.updated_at > $3",
        word["id"],
        word["project_id"],
        since,
    )
    await sql.fetch(rescore_word_statement(), *values, since)


async def ticket_changed(ticket_id: uuid.UUID) -> None:
    """A write that changes what a ticket matches without touching the ticket (a note, an
    edit) sets its `updated_at` here, in the write's transaction: the cache then scores it
    afresh (module docstring)."""
    await Ticket.filter(id=ticket_id).update(updated_at=clock.now())


async def due_now(project_id: uuid.UUID | None = None) -> int:
    """Make every cached word (of a project) due: the CLI's `search refresh --all`."""
    if not _postgres():
        return 0
    condition = "" if project_id is None else " WHERE project_id = $2"
    args: list[Any] = [clock.now()] + ([] if project_id is None else [project_id])
    rows = await sql.fetch(f"UPDATE search_words SET due_at = $1{condition} RETURNING id", *args)
    return len(rows)
