"""Events keep their ticket's order however many share one instant (a frozen clock, or the
events of one change): the claim delivers them in `seq` order."""

from __future__ import annotations

from services import outbox, ticket_queries, tickets


async def test_events_of_one_instant_keep_their_order_past_a_thousand(project, frozen_clock):
    ticket = await ticket_queries.load(
        await tickets.create_ticket(project, tickets.NewTicket(text="hello"))
    )
    # the counter modulo 1000 this replaces wrapped within 1,000 events of one microsecond
    seqs = [outbox.new_event(ticket, "ticket.replied").seq for _ in range(1_200)]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
