"""The broadcast pacer's loop (the rules are services.broadcast_pacer's)."""

from __future__ import annotations

import asyncio
import logging

from services import broadcast_pacer, clock
from services.outages import log_worker_failure, worker_outage

log = logging.getLogger(__name__)


class BroadcastPacer:
    name = "broadcasts"

    def __init__(self, ceiling_per_minute: float, interval: float = 0.2) -> None:
        self.ceiling_per_minute = ceiling_per_minute
        self.interval = interval
        self._outage = worker_outage(self.name)

    async def run_once(self) -> int:
        return await broadcast_pacer.tick(clock.now(), self.ceiling_per_minute)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as error:
                log_worker_failure(self._outage, error, log, f"{self.name}: tick failed")
            else:
                self._outage.success()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass
