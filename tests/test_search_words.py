"""The search's word cache (services.search_words): a common word searched alone is answered
from stored scores, exactly as the plain search would answer it, through every change the
worker has not yet folded in; the worker builds, refreshes and drops words once each."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from helpdesk.db import close_database, open_database
from helpdesk.search_words_worker import SearchWordKeeper
from models import Project, SearchWord, SearchWordTicket, Ticket
from models.enums import Channel, MessageSource, TicketStatus
from services import (
    agent_chat_edits,
    clock,
    search,
    search_statements,
    search_words,
    sql,
    ticket_queries,
    tickets,
)
from services.clock import FrozenClock
from services.projects import create_project
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, reset_schema

postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="the word cache is PostgreSQL's (SQLite ranks with FTS5 alone)"
)
PROJECT_ONLY = ["t.project_id = $1"]


async def _plain(
    project: Project, q: str, limit: int, offset: int, statuses: tuple[str, ...] = ()
) -> tuple[int, list[str]]:
    """(total, ids) of a page as the plain statement finds it: every word looked up in the
    GIN indexes, no cached word, no lead."""
    terms = search.query_terms(q)
    where, args = list(PROJECT_ONLY), [project.id]
    if statuses:
        args += list(statuses)
        where.append(f"t.status IN ({', '.join(f'${n + 2}' for n in range(len(statuses)))})")
    statement, values = search_statements.search_statement(
        terms, where, len(args), "t.id", postgres=True
    )
    rows = await search_statements.fetch_serially(statement, *args, *values, limit, offset)
    if rows:
        return int(rows[0]["total"]), [str(row["id"]) for row in rows]
    statement, values = search_statements.count_statement(
        terms, where, len(args), postgres=True, lead=None
    )
    [row] = await search_statements.fetch_serially(statement, *args, *values)
    return int(row["n"]), []


async def _ranking(
    project: Project, q: str, *, plain: bool = False, statuses: tuple[str, ...] = ()
) -> list[tuple[int, list[str]]]:
    """Every page of 1, 3 and 5 tickets (and the whole list), as (total, ids)."""

    async def page(limit: int, offset: int) -> tuple[int, list[str]]:
        if plain:
            return await _plain(project, q, limit, offset, statuses)
        found, total = await search.search_tickets(
            project, q, statuses=[TicketStatus(s) for s in statuses], limit=limit, offset=offset
        )
        return total, [t["id"] for t in found]

    whole = await page(50, 0)
    pages = [whole]
    for size in (1, 3, 5):
        for offset in range(0, whole[0] + size, size):
            pages.append(await page(size, offset))
    return pages


async def _words(project: Project, q: str) -> Any:
    return await search._plan(project.id, search.query_terms(q), alone=True)


async def _assert_same_as_plain(project: Project, q: str) -> None:
    assert (await _words(project, q)).word is not None  # read from the word cache
    cached = await _ranking(project, q)
    assert cached == await _ranking(project, q, plain=True)


async def _seed(project: Project) -> list[Any]:
    """Tickets holding "parcel" 0–4 times, in messages, notes and subjects, with ties."""
    made = []
    for n in range(12):
        subject = "Parcel problem" if n % 4 == 0 else None
        text = "Parcel lost" if n % 5 else "Where is my order"
        ticket = await tickets.create_ticket(
            project, tickets.NewTicket(text=f"{text} {n}", subject=subject)
        )
        for k in range(n % 3):
            await tickets.agent_reply(project, ticket.id, f"parcels {k}", internal=k == 1)
        made.append(ticket)
    # written an hour ago: a build now holds them all in its rows (SETTLE is minutes)
    await Ticket.filter(project_id=project.id).update(updated_at=clock.now() - timedelta(hours=1))
    return made


async def _build(frozen_clock: FrozenClock, project: Project, q: str) -> None:
    """Searched once (and so asked for), then built by the worker's tick."""
    await search.search_tickets(project, q)
    assert await SearchWord.filter(project_id=project.id).count() == 1
    report = await search_words.refresh_due()
    assert (report.built, report.refreshed) == (1, 0)


@pytest.fixture
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_words, "HOT_TICKETS", 3)


@postgres_only
async def test_a_cached_word_answers_exactly_as_the_plain_search(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    other, _ = await create_project(name="Other")
    await tickets.create_ticket(other, tickets.NewTicket(text="parcel parcel parcel"))
    await _seed(project)
    before = await _ranking(project, "parcels")

    await _build(frozen_clock, project, "parcels")
    await _assert_same_as_plain(project, "parcels")
    assert await _ranking(project, "parcels") == before
    word = await SearchWord.get(project_id=project.id)
    assert (word.term, word.total) == ("parcel", before[0][0])

    # the page is really read from the rows: a row's score moves its ticket to the top
    last = before[0][1][-1]
    await SearchWordTicket.filter(word_id=word.id, ticket_id=last).update(score=99)
    found, _ = await search.search_tickets(project, "parcel", limit=1)
    assert found[0]["id"] == last


async def _scored(
    project: Project, q: str, words: dict[int, Any], lead: int | None
) -> list[tuple[int, int, int]]:
    """(number, score, total) of every match, best first, through the page statement."""
    statement, values = search_statements.search_statement(
        search.query_terms(q),
        PROJECT_ONLY,
        1,
        "t.number, f.score",
        postgres=True,
        lead=lead,
        words={n: (word.id, word.clean_before) for n, word in words.items()},
    )
    rows = await sql.fetch(statement, project.id, *values, 100, 0)
    return [(row["number"], int(row["score"]), row["total"]) for row in rows]


@postgres_only
async def test_several_words_with_cached_ones_score_as_the_plain_lookups(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    """Any mix of cached and plain words, whichever leads (a cached one from its rows, a
    plain one from the index), before and after changes the rows do not hold yet: the very
    tickets, scores and totals of the plain lookups; and so through the API, with a filter."""
    made = await _seed(project)
    for n, text in enumerate(("parcel refund lost", "refund", "lost refund parcel parcel")):
        await tickets.agent_reply(project, made[n + 3].id, text)
    await _build(frozen_clock, project, "parcel")
    await search.search_tickets(project, "lost")
    await search_words.refresh_due()
    frozen_clock.advance(seconds=1)
    queries = ("parcel lost", "lost parcel refund", "refund parcel", "parcel problem", "lost zzz")

    async def check() -> None:
        for q in queries:
            plan = await _words(project, q)
            assert plan.words and plan.word is None, q  # cached words, several of them
            expected = await _scored(project, q, {}, None)
            for lead in (None, *range(len(search.query_terms(q)))):
                for cached in ({}, plan.words, {n: w for n, w in plan.words.items() if n}):
                    assert await _scored(project, q, cached, lead) == expected, (q, lead, cached)
            assert await _ranking(project, q) == await _ranking(project, q, plain=True), q
        new = ("new",)
        assert await _ranking(project, "parcel", statuses=new) == await _ranking(
            project, "parcel", plain=True, statuses=new
        )

    await check()
    await tickets.agent_reply(project, made[5].id, "lost parcel, refund")
    await tickets.agent_reply(project, made[4].id, "refund", internal=True)
    await tickets.change_status(project, made[3].id, "in_progress")
    await check()


@postgres_only
async def test_changes_after_the_build_are_scored_afresh_until_the_refresh_folds_them(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    edited = await tickets.create_ticket(
        project,
        tickets.NewTicket(
            text="parcel stuck",
            channel=Channel.TELEGRAM,
            chat_id=5,
            source=MessageSource.TELEGRAM,
            customer_message_id="9",
        ),
    )
    made = await _seed(project)
    await _build(frozen_clock, project, "parcel")
    word = await SearchWord.get(project_id=project.id)
    assert await SearchWordTicket.exists(word_id=word.id, ticket_id=edited.id)
    frozen_clock.advance(seconds=1)

    # a new ticket, a reply, a note, an edit that takes a ticket's only hit away
    await tickets.create_ticket(project, tickets.NewTicket(text="parcel parcel", subject="Parcel"))
    await tickets.agent_reply(project, made[0].id, "parcel parcel parcel")
    await _assert_same_as_plain(project, "parcel")
    await tickets.agent_reply(project, made[1].id, "parcel again", internal=True)
    await _assert_same_as_plain(project, "parcel")
    await agent_chat_edits.customer_edited(project, edited.id, "9", "box stuck")
    await _assert_same_as_plain(project, "parcel")
    # the rows are as built: the changed tickets were scored afresh
    assert await SearchWordTicket.exists(word_id=word.id, ticket_id=edited.id)

    frozen_clock.advance(seconds=search_words.REFRESH.total_seconds())
    report = await search_words.refresh_due()
    assert (report.built, report.refreshed) == (0, 1)
    await _assert_same_as_plain(project, "parcel")
    await tickets.agent_reply(project, made[2].id, "one more parcel")  # between refreshes
    # the refresh wrote the changed tickets' rows; past SETTLE they are read from them
    frozen_clock.advance(seconds=search_words.SETTLE.total_seconds() + 60)
    await search_words.refresh_due()
    word = await SearchWord.get(project_id=project.id)
    assert word.clean_before is not None and word.clean_before > made[-1].updated_at
    rows = await SearchWordTicket.filter(word_id=word.id).count()
    _, total = await search.search_tickets(project, "parcel")
    assert rows == word.total == total
    await _assert_same_as_plain(project, "parcel")


@postgres_only
async def test_only_a_common_word_searched_alone_is_cached(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    await _seed(project)
    await search.search_tickets(project, "lost")  # 9 tickets: cached
    await search.search_tickets(project, "order")  # 3: cached (the threshold is 3)
    await search.search_tickets(project, "problem")  # 3 subjects: cached
    await search.search_tickets(project, "where")  # found in 3: cached
    await search.search_tickets(project, "zzz")  # none
    await search.search_tickets(project, "parcel lost")  # two words
    await search.search_tickets(project, "parcel", statuses=(TicketStatus.NEW,))  # a filter
    await search.find_for_agents(project, "parcel")  # `/find` reads, never asks
    terms = set(await SearchWord.filter(project_id=project.id).values_list("term", flat=True))
    assert terms == {"lost", "order", "problem", "where"}

    # at most MAX_WORDS a project
    await search_words.refresh_due()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_words, "MAX_WORDS", 4)
        await search.search_tickets(project, "parcel")
    assert await SearchWord.filter(project_id=project.id).count() == 4


@postgres_only
async def test_unused_words_go_and_a_stale_word_is_not_used(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    await _seed(project)
    await _build(frozen_clock, project, "parcel")
    word = await SearchWord.get(project_id=project.id)
    await SearchWordTicket.filter(word_id=word.id).update(score=99)  # marks the rows' use

    # the worker stopped: past STALE the plain path answers (right scores again)
    frozen_clock.advance(seconds=(search_words.STALE + search_words.SETTLE).total_seconds() + 1)
    assert (await _words(project, "parcel")).word is None
    await _assert_plain_scores(project)
    # a search marks a word used at most once a day; a month unused, the worker drops it
    frozen_clock.advance(days=search_words.UNUSED.days, seconds=1)
    report = await search_words.refresh_due()
    assert report.dropped == 1
    assert await SearchWord.filter(project_id=project.id).count() == 0
    assert await SearchWordTicket.filter().count() == 0


async def _assert_plain_scores(project: Project) -> None:
    found, _ = await search.search_tickets(project, "parcel")
    assert [t["id"] for t in found] == (await _plain(project, "parcel", 50, 0))[1]


@postgres_only
async def test_a_word_is_built_once_by_one_of_two_workers(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    await _seed(project)
    await search.search_tickets(project, "parcel")
    await search.search_tickets(project, "lost")
    first, second = await asyncio.gather(search_words.refresh_due(), search_words.refresh_due())
    assert first.built + second.built == 2
    assert await search_words.refresh_due() == search_words.RefreshReport()  # none due
    rows = await sql.fetch(
        "SELECT word_id, COUNT(*) AS n, COUNT(DISTINCT ticket_id) AS d FROM search_word_tickets"
        " GROUP BY word_id"
    )
    assert len(rows) == 2 and all(row["n"] == row["d"] for row in rows)


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite side of the word cache")
async def test_sqlite_never_caches(project: Project, low_threshold: None) -> None:
    """SQLite ranks by FTS5 alone: no word is kept, the worker has nothing to do."""
    await _seed(project)
    await search.search_tickets(project, "parcel")
    assert await SearchWord.all().count() == 0
    assert await search_words.refresh_due() == search_words.RefreshReport()


@postgres_only
def test_search_refresh_from_the_cli(cli: Any, low_threshold: None) -> None:
    async def a_word_asked_for() -> None:
        assert TEST_DATABASE_URL
        await open_database(TEST_DATABASE_URL)
        try:
            await reset_schema()
            project, _ = await create_project(name="Acme")
            await _seed(project)
            await search.search_tickets(project, "parcel")
        finally:
            await close_database()

    asyncio.run(a_word_asked_for())
    nothing = {"built": 0, "refreshed": 0, "dropped": 0}
    assert cli("search", "refresh") == (0, {**nothing, "built": 1}, "")
    assert cli("search", "refresh") == (0, nothing, "")  # refreshed a minute later
    assert cli("search", "refresh", "--all") == (0, {**nothing, "refreshed": 1}, "")
    code, _, err = cli("search", "refresh", "--all", "--project", "nope")
    assert code == 2 and "project" in err


@postgres_only
async def test_the_workers_keeper_builds_what_was_asked_for(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    keeper = SearchWordKeeper()
    await _seed(project)
    assert await keeper.run_once() == 0
    await search.search_tickets(project, "parcel")
    assert await keeper.run_once() == 1
    assert (await _words(project, "parcel")).word is not None
    assert await keeper.run_once() == 0  # refreshed a minute later
    frozen_clock.advance(seconds=search_words.REFRESH.total_seconds())
    assert await keeper.run_once() == 1


@postgres_only
async def test_the_console_inbox_reads_cached_words_too(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    made = await _seed(project)

    async def inbox(q: str) -> list[int]:
        page = await ticket_queries.inbox_page(project, ticket_queries.InboxFilters(q=q))
        return [t["ticket_number"] for t in page.tickets]

    before = {q: await inbox(q) for q in ("parcel", "parcel lost", "lost where")}
    await _build(frozen_clock, project, "parcel")
    await tickets.agent_reply(project, made[5].id, "parcel")  # changed since the build
    before["parcel"] = sorted({*before["parcel"], made[5].number}, reverse=True)
    for q, numbers in before.items():
        assert await inbox(q) == numbers, q
    word = await SearchWord.get(project_id=project.id)
    await SearchWordTicket.filter(word_id=word.id).delete()  # the rows are what it reads
    assert await inbox("parcel") == [made[5].number]


@postgres_only
async def test_words_built_apart_trust_their_rows_up_to_the_older_build(
    project: Project, frozen_clock: FrozenClock, low_threshold: None
) -> None:
    made = await _seed(project)
    await _build(frozen_clock, project, "parcel")
    await tickets.agent_reply(project, made[5].id, "parcel lost, parcel found")
    frozen_clock.advance(seconds=search_words.SETTLE.total_seconds() + 60)
    # the worker builds "lost" now (its rows hold that reply) and has not come to "parcel"
    await SearchWord.filter(term="parcel").update(due_at=clock.now() + timedelta(hours=1))
    await search.search_tickets(project, "lost")
    assert (await search_words.refresh_due()).built == 1
    lost, parcel = await SearchWord.filter(project_id=project.id).order_by("term")
    replied = (await Ticket.get(id=made[5].id)).updated_at
    assert lost.clean_before and parcel.clean_before
    assert lost.clean_before > replied > parcel.clean_before
    for q in ("parcel lost", "lost parcel"):
        expected = await _scored(project, q, {}, None)
        assert await _scored(project, q, (await _words(project, q)).words, None) == expected
        assert await _ranking(project, q) == await _ranking(project, q, plain=True)
