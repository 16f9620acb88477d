"""A database outage seen by the background workers is logged once when it starts and once
when it ends, with the count of failed attempts — not a traceback per attempt (a 10 s
PostgreSQL outage wrote 1,554 ERROR records before)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from delivery.webhooks import WebhookWorker
from helpdesk import housekeeping
from helpdesk.housekeeping import Housekeeper


def outage_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "helpdesk.outage"]


async def test_webhook_worker_logs_an_outage_once_at_start_and_once_at_end(caplog, monkeypatch):
    worker = WebhookWorker()
    failures = iter([ConnectionRefusedError(111, "Connect call failed")] * 5)

    async def run_once() -> int:
        error = next(failures, None)
        if error is not None:
            raise error
        return 3

    monkeypatch.setattr(worker, "run_once", run_once)
    caplog.set_level(logging.INFO)
    attempted = [await worker._batch_or_nothing() for _ in range(7)]
    assert attempted == [0, 0, 0, 0, 0, 3, 3]
    records = outage_records(caplog)
    assert [r.levelname for r in records] == ["ERROR", "WARNING"]
    assert "database (webhooks) unavailable" in records[0].getMessage()
    assert "5 attempts failed meanwhile" in records[1].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # no traceback per failed batch


async def test_other_worker_errors_keep_their_traceback(caplog, monkeypatch):
    worker = WebhookWorker()

    async def run_once() -> int:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(worker, "run_once", run_once)
    assert await worker._batch_or_nothing() == 0
    assert not outage_records(caplog)
    assert any(r.exc_info and r.getMessage() == "webhook batch failed" for r in caplog.records)


async def test_housekeeping_outage_is_two_lines(caplog, monkeypatch):
    calls = 0
    stop = asyncio.Event()

    async def run_housekeeping(retention: timedelta) -> object:
        nonlocal calls
        calls += 1
        if calls <= 3:
            raise OSError("database is away")
        stop.set()

        class Report:
            total = 0

        return Report()

    monkeypatch.setattr(housekeeping, "run_housekeeping", run_housekeeping)
    caplog.set_level(logging.INFO)
    await asyncio.wait_for(Housekeeper(timedelta(days=1), interval=0.001).run(stop), 10)
    records = outage_records(caplog)
    assert [r.levelname for r in records] == ["ERROR", "WARNING"]
    assert "3 attempts failed meanwhile" in records[1].getMessage()
    assert not any(r.exc_info for r in caplog.records)
