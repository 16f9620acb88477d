"""On shutdown a worker process gives back the outbox rows it still holds (both backends)."""

from __future__ import annotations

from datetime import timedelta

from models import OutboxEvent, Project
from models.enums import DeliveryStatus
from services import clock, delivery_queue

LEASE = timedelta(minutes=5)


async def make_events(project: Project, count: int) -> list[OutboxEvent]:
    now = clock.now()
    return [
        await OutboxEvent.create(
            project_id=project.id, seq=n, event="ticket.created", payload={},
            occurred_at=now, next_attempt_at=now,
        )
        for n in range(count)
    ]


async def claim(limit: int) -> list[OutboxEvent]:
    return await delivery_queue.claim(
        OutboxEvent, now=clock.now(), lease=LEASE, limit=limit,
        group_field="ticket_id", order_fields=("seq",),
    )


async def test_release_held_frees_only_rows_still_under_our_lease(project: Project) -> None:
    await delivery_queue.release_held()  # start from a clean slate in this process
    events = await make_events(project, 4)
    held = await claim(4)
    assert [e.id for e in held] == [e.id for e in events]
    delivered, ours, theirs, ours_too = held
    await OutboxEvent.filter(id=delivered.id).update(
        status=DeliveryStatus.DELIVERED, claimed_until=None
    )
    # our lease ran out and another process claimed this one: its stamp is not ours
    await OutboxEvent.filter(id=theirs.id).update(claimed_until=clock.now() + 2 * LEASE)

    assert await delivery_queue.release_held() == 2

    rows = {e.id: e for e in await OutboxEvent.all()}
    assert rows[ours.id].claimed_until is None and rows[ours_too.id].claimed_until is None
    assert rows[theirs.id].claimed_until is not None
    assert rows[delivered.id].status == DeliveryStatus.DELIVERED
    # released rows are claimable again at once
    assert {e.id for e in await claim(10)} == {ours.id, ours_too.id}
    assert await delivery_queue.release_held() == 2
    assert await delivery_queue.release_held() == 0  # nothing held any more
