"""The SLA timer worker of the `workers` role: services.sla_timers every few seconds. Any
number of worker processes may run it (each tick claims rows; nothing fires twice)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.outages import log_worker_failure, worker_outage
from services.sla_timers import run_due

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 15.0  # seconds: warnings land within this of their minute


class SlaTimer:
    name = "sla"

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = interval
        self.outage = worker_outage(self.name)

    async def run_once(self) -> int:
        report = await run_due()
        if report.total:
            log.info(
                "sla: %d warnings, %d breaches, %d auto-closed",
                len(report.warnings), len(report.breaches), len(report.closed),
            )
        return report.total

    async def run(self, stop: asyncio.Event) -> None:
        """A tick at start, then every `interval` seconds until `stop` (a full batch: at once)."""
        while not stop.is_set():
            busy = False
            try:
                busy = await self.run_once() > 0
            except Exception as error:  # a database hiccup must not end the worker
                log_worker_failure(self.outage, error, log, "sla timer failed")
            else:
                self.outage.success()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0 if busy else self.interval)
