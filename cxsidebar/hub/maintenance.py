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
from typing import Self

log = logging.getLogger(__name__)

OPTIMIZE_INTERVAL_SECONDS = 4 * 3600.0


class PeriodicJob:
    """Calls `run_once` every `interval` seconds on a daemon thread until `close()`.

    A failing run is logged and the next one tries again: the hub keeps serving.
    `runs` counts the runs made, failed or not.
    """

    failure = "a periodic job failed"  # the log line when a run raises
    run_at_start = False

    def __init__(self, name: str, interval: float) -> None:
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def run_once(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        stopped = self._stop.is_set() if self.run_at_start else self._stop.wait(self.interval)
        while not stopped:
            try:
                self.run_once()
            except Exception:  # the next run tries again; the hub keeps serving
                log.exception(self.failure)
            self.runs += 1
            stopped = self._stop.wait(self.interval)


class OptimizeJob(PeriodicJob):
    """Call `optimize` every `interval` seconds (not at start) until `close()`."""

    failure = "optimizing the database failed"

    def __init__(
        self, optimize: Callable[[], None], interval: float = OPTIMIZE_INTERVAL_SECONDS
    ) -> None:
        if not interval > 0:
            raise ValueError(f"expected an interval above 0 s, got {interval:g}")
        super().__init__("db-optimize", interval)
        self.optimize = optimize

    def run_once(self) -> None:
        self.optimize()
