"""Retention: purge transcript text after a configurable number of days.

`RetentionJob` runs the purge in the hub (at start, then every interval) on a
thread of its own; `cxsidebar-hub purge --older-than-days N` runs it once. With
several workers each runs it; the purge is idempotent.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from cxsidebar.hub.sql_ops import PurgeReport
from cxsidebar.hub.storage import HubStorage

log = logging.getLogger(__name__)


def cutoff_for(days: float, now: datetime | None = None) -> datetime:
    if not days > 0:
        raise ValueError(f"expected more than 0 days, got {days:g}")
    return (now or datetime.now(UTC)) - timedelta(days=days)


def purge_older_than(storage: HubStorage, days: float) -> PurgeReport:
    return storage.purge_before(cutoff_for(days))


class RetentionJob:
    """Purge every `interval` seconds on a daemon thread until `close()`."""

    def __init__(self, storage: HubStorage, days: float, interval: float) -> None:
        cutoff_for(days)  # validates
        self.storage = storage
        self.days = days
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)

    def start(self) -> RetentionJob:
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                purge_older_than(self.storage, self.days)
            except Exception:  # the next run tries again; the hub keeps serving
                log.exception("the retention purge failed")
            self.runs += 1
            self._stop.wait(self.interval)
