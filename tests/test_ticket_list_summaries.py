"""The hand-written list page gives exactly what an ORM query gives (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from models import Project, Ticket
from models.enums import Channel, TicketStatus
from services import catalog, ticket_queries, tickets
from services.errors import InvalidApiKey
from services.projects import authenticate, create_project
from services.serializers import ticket_summary


async def _orm_page(
    project: Any,
    *,
    statuses: Any = (),
    assigned_to: Any = None,
    channel: Any = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Ticket], int]:
    """The reference: the same page and total through the ORM, counted the plain way."""
    query = Ticket.filter(project_id=project.id)
    if statuses:
        query = query.filter(status__in=list(statuses))
    if assigned_to is not None:
        query = query.filter(assignee_id=assigned_to)
    if channel is not None:
        query = query.filter(channel=channel)
    page = (
        await query.order_by("-created_at", "-number")
        .offset(offset)
        .limit(limit)
        .select_related("ticket_type", "assignee")
    )
    return list(page), await query.count()


async def _both(project: Any, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    found, total = await _orm_page(project, **filters)
    summaries, summary_total = await ticket_queries.list_ticket_summaries(project, **filters)
    assert summaries == [ticket_summary(t) for t in found]
    assert summary_total == total
    return summaries, total


async def test_summaries_match_the_orm_for_every_filter(project):
    other, _ = await create_project(name="Other")
    bug = await catalog.create_ticket_type(project, name="Bug")
    agent = await catalog.add_agent(project, name="Alice")
    made = []
    for i in range(6):
        made.append(
            await tickets.create_ticket(
                project,
                tickets.NewTicket(
                    text=f"t{i}",
                    subject=f"s{i}" if i % 2 else None,
                    channel=Channel.TELEGRAM if i % 3 == 0 else Channel.VIRTUAL,
                    chat_id=100 + i if i % 3 == 0 else None,
                    ticket_type_id=bug.id if i % 2 else None,
                ),
            )
        )
    await tickets.create_ticket(other, tickets.NewTicket(text="not mine"))
    await tickets.assign(project, made[1].id, agent.id)
    await tickets.change_status(project, made[2].id, "closed")

    everything, total = await _both(project)
    assert total == 6 and [s["id"] for s in everything] == [str(t.id) for t in reversed(made)]
    typed = next(s for s in everything if s["id"] == str(made[1].id))
    assert typed["ticket_type_name"] == "Bug"
    assert typed["assignee"] == {"id": str(agent.id), "name": "Alice"}
    await _both(project, limit=2, offset=1)
    assert await _both(project, limit=5, offset=10) == ([], 6)  # past the end: total still
    await _both(project, statuses=[TicketStatus.NEW, TicketStatus.CLOSED])
    await _both(project, statuses=[TicketStatus.CLOSED], channel=Channel.VIRTUAL)
    assert (await _both(project, assigned_to=agent.id))[1] == 1
    assert await _both(project, channel=Channel.MAX) == ([], 0)


async def test_authenticate_returns_the_whole_project(project_with_key):
    project, key = project_with_key
    found = await authenticate(key)
    expected = await Project.get(id=project.id)
    assert found.id == project.id and found._saved_in_db
    for name in Project._meta.fields_db_projection:
        assert getattr(found, name) == getattr(expected, name), name


async def test_key_lookup_is_cached_briefly_and_dropped_on_local_changes(
    project_with_key, monkeypatch
):
    from models import ApiKey
    from services import clock, projects

    project, key = project_with_key
    await authenticate(key)
    # revoked by another process: this one keeps the lookup until KEY_CACHE_SECONDS pass
    await ApiKey.filter(project_id=project.id).update(revoked_at=clock.now())
    assert (await authenticate(key)).id == project.id
    later = time.monotonic() + projects.KEY_CACHE_SECONDS + 0.1
    monkeypatch.setattr(projects, "monotonic", lambda: later)
    with pytest.raises(InvalidApiKey):
        await authenticate(key)
    monkeypatch.undo()
    # a wrong secret behind a cached prefix is refused without the database
    other, other_key = await create_project(name="Cached")
    await authenticate(other_key)
    with pytest.raises(InvalidApiKey):
        await authenticate(other_key[:-1] + ("x" if other_key[-1] != "x" else "y"))
    # a change made through this process's services is seen at once
    await projects.update_project(other.id, rate_limit=7)
    assert (await authenticate(other_key)).rate_limit == 7
