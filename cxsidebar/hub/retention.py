"""Retention: purge transcript text after a configurable number of days.

`RetentionJob` runs the purge in the hub (at start, then every interval) on a
thread of its own; `cxsidebar-hub purge --older-than-days N` runs it once. With
several workers each runs it; the purge is idempotent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from cxsidebar.hub.maintenance import PeriodicJob
from cxsidebar.hub.sql_ops import PurgeReport
from cxsidebar.hub.storage import HubStorage

log = logging.getLogger(__name__)


def cutoff_for(days: float, now: datetime | None = None) -> datetime:
    if not days > 0:
        raise ValueError(f"expected more than 0 days, got {days:g}")
    return (now or datetime.now(UTC)) - timedelta(days=days)


def purge_older_than(storage: HubStorage, days: float) -> PurgeReport:
    return storage.purge_before(cutoff_for(days))


class RetentionJob(PeriodicJob):
    """Purge at start, then every `interval` seconds on a daemon thread until `close()`."""

    failure = "the retention purge failed"
    run_at_start = True

    def __init__(self, storage: HubStorage, days: float, interval: float) -> None:
        cutoff_for(days)  # validates
        super().__init__("retention", interval)
        self.storage = storage
        self.days = days

    def run_once(self) -> None:
        purge_older_than(self.storage, self.days)
