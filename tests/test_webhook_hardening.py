"""Issue 20, webhook items: SSRF forms (1), refusal when a URL is set (2), fair share per
endpoint and retries from the attempt's end (5), a failed batch given back at once (7), the
kill -9 repeat bound (11), replay keeps the history (16), no-URL events pruned (17).

Every destination here is a loopback sink the test starts itself; nothing else is dialled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from delivery import webhooks as webhook_delivery
from delivery.webhook_commit import GroupCommit
from delivery.webhooks import WebhookWorker
from helpdesk.cli import main
from models import OutboxEvent, Project, WebhookAttempt
from models.enums import DeliveryStatus
from services import tickets, webhooks
from services.errors import ValidationFailed
from services.housekeeping import run_housekeeping
from services.outbox import NO_URL
from services.projects import check_webhook_destination, create_project, update_project
from services.webhook_security import UnsafeDestination, check_address, check_destination
from tests.conftest import TEST_DATABASE_URL


class Sink:
    """A loopback endpoint: records webhook-ids, can sleep before answering."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.started: list[str] = []  # requests that arrived (answered or not)
        self.sleep = 0.0
        self.status = 200
        self.port = 0
        self.arrived = asyncio.Event()
        self.on_request: Callable[[], None] | None = None  # runs before the answer

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.started.append(request.headers["webhook-id"])
        self.arrived.set()
        if self.sleep:
            await asyncio.sleep(self.sleep)
        if self.on_request is not None:
            self.on_request()
        if 200 <= self.status < 300:
            self.ids.append(request.headers["webhook-id"])
        return web.Response(status=self.status)

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/sink"


@pytest.fixture
async def sink_factory(aiohttp_server):
    async def make() -> Sink:
        sink = Sink()
        app = web.Application()
        app.router.add_post("/sink", sink.handle)
        server = await aiohttp_server(app, host="127.0.0.1")
        sink.port = server.port
        return sink

    return make


@pytest.fixture
async def sink(sink_factory) -> Sink:
    return await sink_factory()


async def new_ticket(project: Project, text: str = "Help") -> None:
    await tickets.create_ticket(project, tickets.NewTicket(text=text))


# -- item 1: the host as aiohttp dials it --------------------------------------------------

DISGUISED = ["１２７.０.０.１", "①②⑦.0.0.1", "127。0。0。1", "１２７。０。０。１"]


@pytest.mark.parametrize("host", DISGUISED)
async def test_disguised_loopback_is_refused_at_delivery_and_reveals_nothing(
    project, sink, frozen_clock, host, caplog
):
    # stored before this check existed (or while private networks were allowed)
    await update_project(project.id, webhook_url=sink.url(host), allow_private_networks=True)
    await new_ticket(project)
    worker = WebhookWorker(allow_private_networks=False)
    try:
        with caplog.at_level(logging.WARNING, logger="delivery.webhook_client"):
            await worker.run_once()
            frozen_clock.advance(minutes=1)
            await worker.run_once()  # the retry: refused again, not logged again
    finally:
        await worker.close()
    assert sink.started == []  # nothing arrived at the sink
    log = await WebhookAttempt.all()
    assert len(log) == 2
    for attempt in log:
        assert attempt.status_code is None and (attempt.error or "").startswith("refused:")
        assert "200" not in (attempt.error or "")  # no oracle on the sink's answer
    event = await OutboxEvent.get()
    assert event.status == DeliveryStatus.PENDING and event.attempts == 2
    refusals = [r for r in caplog.records if "not sent" in r.getMessage()]
    assert len(refusals) == 1  # once per event, not per retry
    assert "WEBHOOK_ALLOW_PRIVATE_NETWORKS" in refusals[0].getMessage()


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a00:1",  # IPv4-compatible 10.0.0.1
        "::ffff:7f00:1",  # IPv4-mapped
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_embedded_private_ipv4_is_private(address):
    with pytest.raises(UnsafeDestination):
        check_address(address)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "8.8.8.8"])
def test_embedded_public_ipv4_stays_public(address):
    check_address(address)  # no refusal: a public address in any spelling is fine


# -- item 2: refused when set, with the setting named -------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/sink",
        "http://１２７.０.０.１:9/sink",
        "http://①②⑦.0.0.1:9/sink",
        "http://127。0。0。1:9/sink",
        "http://[::ffff:127.0.0.1]:9/sink",
        "http://[64:ff9b::127.0.0.1]:9/sink",
        "http://localhost:9/sink",  # a name that resolves to loopback now
        "http://8。8。8。8/sink",  # a public address in disguise: never a need
    ],
)
async def test_unsafe_url_is_refused_when_set(project, url):
    with pytest.raises(ValidationFailed) as refused:
        await update_project(project.id, webhook_url=url)
    message = refused.value.message
    assert "\n" not in message and "WEBHOOK_ALLOW_PRIVATE_NETWORKS" in message
    with pytest.raises(ValidationFailed):
        await create_project(name="X", webhook_url=url)
    assert (await Project.get(id=project.id)).webhook_url is None
    # the operator allowed private networks: accepted as given
    await update_project(project.id, webhook_url=url, allow_private_networks=True)


async def test_a_name_that_does_not_resolve_yet_is_accepted_with_a_warning(db, caplog):
    async def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    async def private(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.1.2.3"]

    url = "https://hooks.example.test/in"
    with caplog.at_level(logging.WARNING):
        assert (
            await check_webhook_destination(url, allow_private_networks=False, resolve=nowhere)
            == url
        )
    assert "does not resolve" in caplog.text
    refusal, _ = await check_destination(url, private)
    assert refusal == (
        "refused: hooks.example.test resolves to 10.1.2.3, which is not a public address"
    )


def test_cli_refuses_a_loopback_url_in_one_line(tmp_path, monkeypatch, capsys):
    url = TEST_DATABASE_URL or f"sqlite://{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_NETWORKS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["migrate"]) == 0
    capsys.readouterr()
    argv = ["project", "create", "--name", "X", "--webhook-url", "http://１２７.０.０.１:9/sink"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "WEBHOOK_ALLOW_PRIVATE_NETWORKS" in err
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
    assert main(argv) == 0


# -- item 5: a slow endpoint only slows itself ---------------------------------------------


async def test_a_slow_endpoint_does_not_delay_another_projects_events(project, sink_factory):
    slow, healthy = await sink_factory(), await sink_factory()
    slow.sleep = 30.0  # longer than the worker's timeout: every attempt times out
    await update_project(project.id, webhook_url=slow.url(), allow_private_networks=True)
    other, _ = await create_project(
        name="Other", webhook_url=healthy.url(), allow_private_networks=True
    )
    for n in range(12):  # more tickets than the slow endpoint's share of the slots
        await new_ticket(project, f"slow {n}")
    worker = WebhookWorker(
        allow_private_networks=True, concurrency=8, timeout=3.0, poll_interval=0.05
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.wait_for(slow.arrived.wait(), 5)
        await asyncio.sleep(0.3)  # the slow endpoint is now stuck
        assert len(slow.started) <= worker.per_endpoint  # it holds its share, no more
        began = time.monotonic()
        await new_ticket(other, "healthy")
        while not healthy.ids:
            assert time.monotonic() - began < 1.0, "the healthy endpoint waited"
            await asyncio.sleep(0.02)
        assert slow.ids == []  # still stuck while the other project got its event
    finally:
        stop.set()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()


async def test_the_next_retry_counts_from_the_end_of_the_attempt(project, sink, frozen_clock):
    sink.status = 503
    sink.on_request = lambda: frozen_clock.advance(seconds=20)  # a 20 s attempt, test clock
    await update_project(project.id, webhook_url=sink.url(), allow_private_networks=True)
    await new_ticket(project)
    started = frozen_clock.now()
    worker = WebhookWorker(allow_private_networks=True)
    try:
        await worker.run_once()
    finally:
        await worker.close()
    event = await OutboxEvent.get()
    first_delay = webhook_delivery.RETRY_SCHEDULE[0] * 0.9  # the jitter's lower end
    assert event.next_attempt_at >= started + timedelta(seconds=20) + first_delay


# -- item 7: a failed batch is given back at once ------------------------------------------


async def test_a_failed_commit_gives_the_claimed_rows_back_at_once(
    project, sink, frozen_clock, monkeypatch
):
    await update_project(project.id, webhook_url=sink.url(), allow_private_networks=True)
    for n in range(6):
        await new_ticket(project, f"t{n}")
    real_commit = GroupCommit._commit
    failures = [ConnectionError("database went away")]

    async def flaky(self, batch):
        if failures:
            raise failures.pop()
        await real_commit(self, batch)

    monkeypatch.setattr(GroupCommit, "_commit", flaky)
    worker = WebhookWorker(allow_private_networks=True, concurrency=2)
    try:
        with pytest.raises(ConnectionError):
            await worker.run_once()
        # nothing left leased: claimable again now, not after the 5 min lease
        assert await OutboxEvent.filter(claimed_until__not_isnull=True).count() == 0
        pending = await OutboxEvent.filter(status=DeliveryStatus.PENDING).count()
        assert pending > 0
        assert await worker.run_once() == pending  # same clock: taken again at once
    finally:
        await worker.close()
    events = await OutboxEvent.all()
    assert all(e.status == DeliveryStatus.DELIVERED for e in events)
    # the attempts that were recorded stay counted; none went missing
    assert all(e.attempts >= 1 for e in events)
    assert set(sink.ids) == {str(e.id) for e in events}


# -- item 11: a kill -9 repeats at most what was in flight ---------------------------------

KILLED_WORKER = """
import asyncio, sys
from datetime import timedelta
from delivery import webhooks
from delivery.webhook_commit import GroupCommit
from helpdesk.db import open_database

real_commit = GroupCommit._commit

async def slow_commit(self, batch):  # a slow database: 2xx answers pile up before commits
    await asyncio.sleep(0.2)
    await real_commit(self, batch)

GroupCommit._commit = slow_commit

async def main():
    await open_database(sys.argv[1])
    worker = webhooks.WebhookWorker(
        allow_private_networks=True, concurrency=4, in_flight=IN_FLIGHT,
        lease=timedelta(seconds=2),
    )
    await worker.run(asyncio.Event())

asyncio.run(main())
"""
IN_FLIGHT = 8
ROOT = str(Path(__file__).resolve().parent.parent)


async def test_kill_9_repeats_only_events_in_flight(db, project, sink, tmp_path):
    await update_project(project.id, webhook_url=sink.url(), allow_private_networks=True)
    now = webhook_delivery.clock.now()
    events = [
        OutboxEvent(
            id=uuid.uuid4(),
            project_id=project.id,
            ticket_id=uuid.uuid4(),  # one event per ticket: nothing waits for order
            seq=n,
            event="ticket.created",
            payload={"n": n},
            occurred_at=now,
            next_attempt_at=now - timedelta(seconds=1),
        )
        for n in range(300)
    ]
    await OutboxEvent.bulk_create(events, batch_size=500)
    ids = {str(e.id) for e in events}
    script = KILLED_WORKER.replace("IN_FLIGHT", str(IN_FLIGHT))
    victim = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        db,
        env=dict(os.environ, PYTHONPATH=ROOT),
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(set(sink.ids)) < 60:
            assert victim.returncode is None, "the worker died"
            assert time.monotonic() < deadline, "the worker delivered nothing"
            await asyncio.sleep(0.02)
    finally:
        victim.send_signal(signal.SIGKILL)
        stderr = await victim.stderr.read()  # type: ignore[union-attr]
        assert await victim.wait() == -signal.SIGKILL, stderr.decode()[-2000:]
    await asyncio.sleep(0.2)  # requests the dead process had on the wire are answered
    recorded = {
        str(i)
        for i in await OutboxEvent.filter(status=DeliveryStatus.DELIVERED).values_list(
            "id", flat=True
        )
    }
    in_flight = set(sink.ids) - recorded  # arrived, but not known to have arrived
    assert len(in_flight) <= IN_FLIGHT  # the structural bound: the worker's in-flight cap
    assert len(set(sink.ids)) < len(ids)  # work left for the restart

    # the dead worker's 2 s lease runs out: moved on the clock the restarted worker claims by
    webhook_delivery.clock.set_clock(
        webhook_delivery.clock.FrozenClock(webhook_delivery.clock.now() + timedelta(seconds=3))
    )
    worker = WebhookWorker(allow_private_networks=True)
    try:
        while await worker.run_once():
            pass
    finally:
        await worker.close()
    times = Counter(sink.ids)
    assert set(times) == ids  # at least once, nothing lost
    twice = {i for i, count in times.items() if count > 1}
    assert twice <= in_flight and max(times.values()) <= 2


# -- item 16: a replay adds to the history -------------------------------------------------


async def test_replay_keeps_every_attempt_and_shows_the_replay(project, sink, frozen_clock):
    await update_project(project.id, webhook_url=sink.url(), allow_private_networks=True)
    await new_ticket(project)
    worker = WebhookWorker(allow_private_networks=True)
    try:
        sink.status = 503
        await worker.run_once()
        frozen_clock.advance(minutes=1)
        await worker.run_once()
        event = await OutboxEvent.get()
        assert event.attempts == 2

        replayed = await webhooks.replay_event(event.id)
        assert replayed["attempts"] == 2 and replayed["status"] == "pending"
        assert [a["status_code"] for a in replayed["log"]] == [503, 503, None]
        assert replayed["log"][-1]["error"] == webhooks.REPLAYED

        sink.status = 200
        await worker.run_once()  # due now
    finally:
        await worker.close()
    listing = await webhooks.list_deliveries(project.id)
    (view,) = listing["deliveries"]
    assert view["status"] == "delivered" and view["attempts"] == 3
    assert [a["status_code"] for a in view["log"]] == [503, 503, None, 200]


# -- item 17: events of a project without a URL do not pile up -----------------------------


async def test_no_url_events_are_pruned_like_delivered_ones(project, frozen_clock):
    await new_ticket(project)  # the project has no webhook URL
    worker = WebhookWorker(allow_private_networks=True)
    try:
        await worker.run_once()
    finally:
        await worker.close()
    event = await OutboxEvent.get()
    assert event.status == DeliveryStatus.DISABLED and event.last_error == NO_URL
    assert (await run_housekeeping(timedelta(days=7))).webhook_events_pruned == 0  # recent
    frozen_clock.advance(days=8)
    report = await run_housekeeping(timedelta(days=7))
    assert report.webhook_events_pruned == 1
    assert not await OutboxEvent.filter(status=DeliveryStatus.DISABLED).exists()
