"""Database upkeep off the request path: `PRAGMA optimize` on the SQLite hub.

SQLite's planner relies on statistics (sqlite_stat1) that only ANALYZE updates;
SQLite recommends `PRAGMA optimize` on long-lived connections now and then and
before closing. `OptimizeJob` runs the storage's `optimize()` every few hours on
a daemon thread of its own (the app starts it for storages that have one:
SqliteStorage); SqliteStorage also runs it when it closes. PostgreSQL's
autovacuum keeps its statistics by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

OPTIMIZE_INTERVAL_SECONDS = 4 * 3600.0


class OptimizeJob:
    """Call `optimize` every `interval` seconds (not at start) until `close()`."""

    def __init__(
        self, optimize: Callable[[], None], interval: float = OPTIMIZE_INTERVAL_SECONDS
    ) -> None:
        if not interval > 0:
            raise ValueError(f"expected an interval above 0 s, got {interval:g}")
        self.optimize = optimize
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="db-optimize", daemon=True)

    def start(self) -> OptimizeJob:
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.optimize()
            except Exception:  # the next run tries again; the hub keeps serving
                log.exception("optimizing the database failed")
            self.runs += 1
