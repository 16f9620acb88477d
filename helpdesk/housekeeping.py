"""The housekeeping worker of the `workers` role: services.housekeeping every few minutes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from services.housekeeping import run_housekeeping
from services.outages import log_worker_failure, worker_outage

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 300.0  # seconds; every worker process runs it, the statements are idempotent


class Housekeeper:
    name = "housekeeping"

    def __init__(self, retention: timedelta, interval: float = DEFAULT_INTERVAL) -> None:
        self.retention = retention
        self.interval = interval
        self.outage = worker_outage(self.name)

    async def run_once(self) -> int:
        report = await run_housekeeping(self.retention)
        if report.total:
            log.info("housekeeping: %s", report.as_dict())
        return report.total

    async def run(self, stop: asyncio.Event) -> None:
        """First pass at start, then every `interval` seconds until `stop`."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as error:  # a database hiccup must not end the worker
                log_worker_failure(self.outage, error, log, "housekeeping failed")
            else:
                self.outage.success()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
