"""services.search on the current backend: the index follows edits, terms are plain words,
`/find` results carry the ticket's place in the agent chat."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from models import Project
from models.enums import Channel, MessageSource, TicketStatus
from services import agent_chat_edits, agent_chat_events, search, search_statements, sql, tickets
from services.projects import create_project
from tests.conftest import ON_POSTGRES


async def test_query_terms_are_plain_lowercase_stems() -> None:
    assert (
        search.query_terms('Заказа "orders" refund:* (a|b) & !x')
        == [
            "заказ",
            "order",
            "refund",
            "a",
            "b",
            "x",
        ][: search.MAX_TERMS]
    )
    assert search.query_terms("ёлки-палки ship_ping") == ["ёлк", "палк", "ship", "ping"]
    assert search.query_terms("!!! ...") == []
    assert search.query_terms("box boxes uses") == ["box", "use"]  # stems of 3+ letters


async def test_an_edited_message_is_searched_by_its_new_text(project: Project) -> None:
    new = tickets.NewTicket(
        text="Parcel lost",
        channel=Channel.TELEGRAM,
        chat_id=77,
        first_name="Ann",
        source=MessageSource.TELEGRAM,
        customer_message_id="5",
    )
    ticket = await tickets.create_ticket(project, new)
    assert (await search.search_tickets(project, "parcel"))[1] == 1

    await agent_chat_edits.customer_edited(project, ticket.id, "5", "Package found")
    assert await search.search_tickets(project, "parcel") == ([], 0)
    found, total = await search.search_tickets(project, "package")
    assert total == 1 and found[0]["id"] == str(ticket.id)


async def test_find_for_agents_shows_the_place_and_only_this_project(project: Project) -> None:
    other, _ = await create_project(name="Other")
    await tickets.create_ticket(other, tickets.NewTicket(text="Broken screen"))
    ticket = await tickets.create_ticket(
        project, tickets.NewTicket(text="Broken screen again", subject="Screen")
    )
    await agent_chat_events.record_topic(ticket, -1005, 77, 78)

    [found] = await search.find_for_agents(project, "screen")
    assert (found.number, found.subject, found.status) == (1, "Screen", "new")
    assert (found.agent_chat_id, found.agent_topic_id, found.agent_card_message_id) == (
        -1005,
        77,
        78,
    )
    for n in range(12):
        await tickets.create_ticket(project, tickets.NewTicket(text=f"screen {n}"))
    assert len(await search.find_for_agents(project, "screen")) == search.FIND_LIMIT


@pytest.mark.skipif(not ON_POSTGRES, reason="the GIN expression indexes are PostgreSQL's")
async def test_the_postgres_statement_uses_the_expression_indexes(project: Project) -> None:
    """The search's expressions must be the indexes' own (migration 0013), or PostgreSQL
    falls back to reading every message: still right, a thousand times slower."""
    await tickets.create_ticket(project, tickets.NewTicket(text="Parcel lost", subject="Parcel"))
    statement, values = search_statements.search_statement(
        search.query_terms("parcel"), ["t.project_id = $1"], 1, "t.number", postgres=True
    )
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")  # tiny tables: no shortcut
        plan = await conn.execute_query_dict(f"EXPLAIN {statement}", [project.id, *values, 50, 0])
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    # (the subjects' index too, but on a tiny table the planner rightly takes the project's)
    assert "Bitmap Index Scan on messages_search" in text, text


async def _page(project: Project, q: str, lead: int | None) -> list[tuple[int, int, int]]:
    """(number, score, total) of every match, best first, through the page statement."""
    terms = search.query_terms(q)
    statement, values = search_statements.search_statement(
        terms, ["t.project_id = $1"], 1, "t.number, f.score", postgres=True, lead=lead
    )
    rows = await sql.fetch(statement, project.id, *values, 100, 0)
    return [(row["number"], int(row["score"]), row["total"]) for row in rows]


@pytest.mark.skipif(not ON_POSTGRES, reason="the lead-word statement is PostgreSQL's")
async def test_a_lead_word_finds_and_scores_exactly_what_every_lookup_does(
    project: Project,
) -> None:
    """Whichever word leads, the same tickets in the same order with the same scores: a word
    in the subject only, in several messages, in an internal note, missing from one ticket;
    another project's ticket never comes in."""
    other, _ = await create_project(name="Other")
    await tickets.create_ticket(other, tickets.NewTicket(text="Заказ 4521 refund"))
    texts = [
        ("Заказ 4521 не пришёл", None, ["Где мой заказ?", "refund please"]),
        ("Номер 4521", "Заказы", ["refund"]),  # заказ in the subject only
        ("Заказ пришёл", None, ["refund refund", "4521"]),
        ("Заказ без номера", None, ["refund"]),  # no 4521: never found
        ("4521 and refunds", None, ["Заказов нет", "заказа тоже"]),
    ]
    for text, subject, replies in texts:
        ticket = await tickets.create_ticket(project, tickets.NewTicket(text=text, subject=subject))
        for n, reply in enumerate(replies):
            await tickets.agent_reply(project, ticket.id, reply, internal=n == 1)

    for q in ("заказа 4521", "4521 refund заказ", "refund 4521"):
        everything = await _page(project, q, None)
        assert everything, q
        assert {number for number, _, _ in everything} <= {1, 2, 3, 5}, q
        for lead in range(len(search.query_terms(q))):
            assert await _page(project, q, lead) == everything, (q, lead)
    # scores as documented: per word, 1 a message holding it, SUBJECT_WEIGHT for the subject
    assert (2, 1 + search_statements.SUBJECT_WEIGHT, 4) in await _page(project, "4521 заказ", 0)


@pytest.mark.skipif(not ON_POSTGRES, reason="the planner's estimates are PostgreSQL's")
async def test_a_word_far_rarer_than_the_others_leads(project: Project) -> None:
    rare = await tickets.create_ticket(project, tickets.NewTicket(text="invoice 4521"))
    bulk = await tickets.create_ticket(project, tickets.NewTicket(text="many messages"))
    await sql.fetch(  # a thousand messages, as the planner needs to estimate a prefix
        "INSERT INTO messages (id, ticket_id, project_id, author, text, internal, attachments,"
        " source, created_at) SELECT gen_random_uuid(), $1, $2, 'agent', CASE WHEN g % 3 > 0"
        " THEN 'order ' ELSE '' END || CASE WHEN g % 2 > 0 THEN 'delayed ' ELSE '' END"
        " || 'note' || g, false, '[]', 'api', now() FROM generate_series(1, 1000) g",
        bulk.id,
        project.id,
    )
    await tickets.agent_reply(project, rare.id, "Your order is on its way")
    async with in_transaction() as conn:
        await conn.execute_script("ANALYZE messages")

    assert await search_statements.lead_term(search.query_terms("orders 4521")) == 1
    assert await search_statements.lead_term(search.query_terms("4521 delayed orders")) == 0
    # alike words: each looked up in the index
    assert await search_statements.lead_term(search.query_terms("orders delayed")) is None
    assert await search_statements.lead_term(search.query_terms("orders")) is None
    found, total = await search.search_tickets(project, "orders 4521")
    assert total == 1 and found[0]["id"] == str(rare.id)
    assert await search.search_tickets(project, "delayed orders zzz") == ([], 0)


def test_choosing_a_lead_weighs_one_word_against_the_rest() -> None:
    assert search_statements.choose_lead([1000.0, 5.0]) == 1
    assert search_statements.choose_lead([100.0, 50.0]) is None
    assert search_statements.choose_lead([3.0, 60.0, 70.0]) == 0  # 3 × 40 < 130
    assert search_statements.choose_lead([4.0, 60.0, 70.0]) is None
    # a cached word costs an index probe a ticket: with every other word cached, lead
    assert search_statements.choose_lead([100.0, 50.0], cached={0}) == 1
    assert search_statements.choose_lead([100.0, 50.0, 60.0], cached={0}) is None
    assert search_statements.choose_lead([100.0, 50.0, 60.0], cached={0, 2}) == 1
    with pytest.raises(ValueError):
        search_statements.estimate_statement("a'b")


async def test_pages_cut_from_the_ranking_add_up_to_the_whole_of_it(project: Project) -> None:
    """Each page joins only the tickets scoring at least its last one: pages of every size,
    with ties across their edges, and a filter, give exactly the full ranking in slices."""
    for n in range(14):
        subject = "Refund" if n % 4 == 0 else None
        ticket = await tickets.create_ticket(
            project, tickets.NewTicket(text=f"refund number {n}", subject=subject)
        )
        for _ in range(n % 3):
            await tickets.agent_reply(project, ticket.id, "about the refund")
        if n % 2:
            await tickets.change_status(project, ticket.id, "in_progress")

    for statuses in ((), (TicketStatus.IN_PROGRESS,)):
        whole, total = await search.search_tickets(project, "refund", statuses=statuses, limit=50)
        assert total == len(whole) == (7 if statuses else 14)
        for size in (1, 3, 5):
            pages = [
                await search.search_tickets(
                    project, "refund", statuses=statuses, limit=size, offset=offset
                )
                for offset in range(0, total + size, size)
            ]
            assert [t["id"] for page, _ in pages for t in page] == [t["id"] for t in whole]
            assert {count for _, count in pages} == {total}
