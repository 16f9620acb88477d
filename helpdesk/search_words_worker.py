"""The search word worker of the `workers` role: services.search_words.refresh_due every
few seconds. Any number of worker processes may run it (a word is refreshed by the one that
holds its row; the others skip it)."""

from __future__ import annotations

import logging

from helpdesk.periodic import PeriodicWorker
from services.search_words import refresh_due

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 15.0  # seconds: a word asked for is built within this


class SearchWordKeeper(PeriodicWorker):
    name = "search-words"

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        super().__init__(interval, log)

    async def run_once(self) -> int:
        report = await refresh_due()
        if report.total:
            log.info(
                "search words: %d built, %d refreshed, %d dropped",
                report.built,
                report.refreshed,
                report.dropped,
            )
        return report.total
