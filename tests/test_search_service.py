"""services.search on the current backend: the index follows edits, terms are plain words,
`/find` results carry the ticket's place in the agent chat."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from models import Project
from models.enums import Channel, MessageSource
from services import agent_chat_edits, agent_chat_events, search, tickets
from services.projects import create_project
from tests.conftest import ON_POSTGRES


async def test_query_terms_are_plain_lowercase_stems() -> None:
    assert search.query_terms('Заказа "orders" refund:* (a|b) & !x') == [
        "заказ", "order", "refund", "a", "b", "x",
    ][: search.MAX_TERMS]
    assert search.query_terms("ёлки-палки ship_ping") == ["ёлк", "палк", "ship", "ping"]
    assert search.query_terms("!!! ...") == []
    assert search.query_terms("box boxes uses") == ["box", "use"]  # stems of 3+ letters


async def test_an_edited_message_is_searched_by_its_new_text(project: Project) -> None:
    new = tickets.NewTicket(
        text="Parcel lost", channel=Channel.TELEGRAM, chat_id=77, first_name="Ann",
        source=MessageSource.TELEGRAM, customer_message_id="5",
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
        -1005, 77, 78,
    )
    for n in range(12):
        await tickets.create_ticket(project, tickets.NewTicket(text=f"screen {n}"))
    assert len(await search.find_for_agents(project, "screen")) == search.FIND_LIMIT


@pytest.mark.skipif(not ON_POSTGRES, reason="the GIN expression indexes are PostgreSQL's")
async def test_the_postgres_statement_uses_the_expression_indexes(project: Project) -> None:
    """The search's expressions must be the indexes' own (migration 0013), or PostgreSQL
    falls back to reading every message: still right, a thousand times slower."""
    await tickets.create_ticket(project, tickets.NewTicket(text="Parcel lost", subject="Parcel"))
    statement, values = search.search_statement(
        search.query_terms("parcel"), ["t.project_id = $1"], 1, "t.number", postgres=True
    )
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")  # tiny tables: no shortcut
        plan = await conn.execute_query_dict(f"EXPLAIN {statement}", [project.id, *values, 50, 0])
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    # (the subjects' index too, but on a tiny table the planner rightly takes the project's)
    assert "Bitmap Index Scan on messages_search" in text, text
