"""The SQLite backend of `HubStorage`: one file in WAL mode, writers serialised."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cxsidebar.core import EventType
from cxsidebar.hub import sqlite_events
from cxsidebar.hub.sql_storage import SqlStorage
from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.sqlite_pool import ConnectionPool, StorageClosedError, one, utc_text
from cxsidebar.hub.sqlite_schema import migrations
from cxsidebar.hub.storage import EventBounds

log = logging.getLogger(__name__)


class SqliteTx:
    """`SqlTx` over a sqlite-utils connection; times are stored as sortable UTC text."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        return one(self.db, sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, list(params)))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self.db.execute(sql, list(params)).rowcount)

    def insert_event(
        self, kind: EventType, queue: str | None, escalation_id: str | None, data: str
    ) -> int:
        return sqlite_events.insert_event(self.db, kind, queue, escalation_id, data)

    def stamp(self, moment: datetime) -> str:
        return utc_text(moment)


class SqliteEngine:
    """`SqlEngine` over `ConnectionPool`."""

    def __init__(self, path: Path) -> None:
        self._pool = ConnectionPool(path)
        with self._pool.connection() as db:
            migrations.apply(db)

    @contextmanager
    def connection(self) -> Iterator[SqliteTx]:
        with self._pool.connection() as db:
            yield SqliteTx(db)

    @contextmanager
    def reading(self) -> Iterator[SqliteTx]:
        with self._pool.reading() as db:
            yield SqliteTx(db)

    @contextmanager
    def writing(self) -> Iterator[SqliteTx]:
        with self._pool.writing() as db:
            yield SqliteTx(db)

    def event_bounds(self, tx: SqlTx) -> EventBounds:
        assert isinstance(tx, SqliteTx)
        return sqlite_events.select_bounds(tx.db)

    def optimize(self) -> None:
        """`PRAGMA optimize`, checking every table (0x10002); as a writer, since ANALYZE
        writes the statistics (maintenance.py).

        Its ANALYZE reads whole tables (`analysis_limit = 0`): statistics sampled from
        1,000 rows per index sent 58 of the 2,142 report shapes of `python -m benchmarks
        report-matrix` past 300 ms (the worst to 2.3 s, from under 250 ms), by choosing
        the wrong index of `rating_facts`. A full ANALYZE of a million ratings takes
        about 3 s, during which writes wait; it runs only for a table whose statistics
        are missing or whose size changed many times over since they were taken.
        """
        with self._pool.writing() as db:
            db.execute("PRAGMA analysis_limit = 0")
            db.execute("PRAGMA optimize = 0x10002")

    def close(self) -> None:
        try:
            self.optimize()
        except StorageClosedError:
            return  # closed before
        except sqlite3.Error:
            log.warning("could not optimize the hub database before closing", exc_info=True)
        self._pool.close()


class SqliteStorage(SqlStorage):
    """`HubStorage` over one SQLite file; safe to share between threads. Commit
    listeners hear of this process's commits only (others are found by polling
    at each heartbeat)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sqlite = SqliteEngine(path)
        super().__init__(self._sqlite)

    def optimize(self) -> None:
        """Refresh the planner's statistics where they went stale (maintenance.py)."""
        self._sqlite.optimize()
