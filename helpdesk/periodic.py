"""A worker of the `workers` role that runs one pass every `interval` seconds until stopped,
surviving a failed pass (the database down): housekeeping, the search's word cache."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

from services.outages import log_worker_failure, worker_outage


class PeriodicWorker(ABC):
    name = "periodic"

    def __init__(self, interval: float, log: logging.Logger) -> None:
        self.interval = interval
        self.log = log
        self.outage = worker_outage(self.name)

    @abstractmethod
    async def run_once(self) -> int:
        """One pass; how much it did."""

    async def run(self, stop: asyncio.Event) -> None:
        """First pass at start, then every `interval` seconds until `stop`."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as error:  # a database hiccup must not end the worker
                log_worker_failure(self.outage, error, self.log, f"{self.name} failed")
            else:
                self.outage.success()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
