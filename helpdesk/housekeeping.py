"""The housekeeping worker of the `workers` role: services.housekeeping every few minutes."""

from __future__ import annotations

import logging
from datetime import timedelta

from helpdesk.periodic import PeriodicWorker
from services.housekeeping import run_housekeeping

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 300.0  # seconds; every worker process runs it, the statements are idempotent


class Housekeeper(PeriodicWorker):
    name = "housekeeping"

    def __init__(self, retention: timedelta, interval: float = DEFAULT_INTERVAL) -> None:
        super().__init__(interval, log)
        self.retention = retention

    async def run_once(self) -> int:
        report = await run_housekeeping(self.retention)
        if report.total:
            log.info("housekeeping: %s", report.as_dict())
        return report.total
