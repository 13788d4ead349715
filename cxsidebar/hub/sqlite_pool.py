"""SQLite connections for many threads: a pool, one writer at a time, row helpers.

FastAPI runs sync endpoints in a thread pool whose threads come and go, so a
connection per thread would leak one connection per retired thread. Instead
each operation borrows an idle connection and gives it back. Writes hold a
process-wide lock and `BEGIN IMMEDIATE`, so they are serialised here and wait
(busy_timeout) for writers in other processes, such as the CLI.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

log = logging.getLogger(__name__)


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_text() -> str:
    return utc_text(datetime.now(UTC))


def one(db: Database, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    """The first row as a dict, or None."""
    return next(db.query(sql, list(params)), None)


class StorageClosedError(RuntimeError):
    """The storage was closed; nothing more can be read or written."""


class ConnectionPool:
    def __init__(self, path: Path, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._idle: list[Database] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False

    def _open(self) -> Database:
        # isolation_level=None: no implicit transactions; every write below
        # opens its own explicit one. check_same_thread=False: a connection is
        # used by one thread at a time, but not always the same thread.
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        return Database(conn, execute_plugins=False)

    @contextmanager
    def connection(self) -> Iterator[Database]:
        """Borrow a connection for the duration of the block."""
        with self._lock:
            if self._closed:
                raise StorageClosedError(f"the hub storage {self.path} is closed")
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._open()
        try:
            yield db
        finally:
            self._give_back(db)

    def _give_back(self, db: Database) -> None:
        try:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("could not roll back a connection; dropping it")
            db.close()
            return
        with self._lock:
            if not self._closed:
                self._idle.append(db)
                return
        db.close()

    @contextmanager
    def reading(self) -> Iterator[Database]:
        """A connection inside a read transaction: every query sees one snapshot."""
        with self.connection() as db:
            db.conn.execute("BEGIN")
            try:
                yield db
            finally:
                db.conn.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[Database]:
        """A connection inside `BEGIN IMMEDIATE`: committed at the end, rolled back on error."""
        with self._write_lock, self.connection() as db:
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.conn.execute("ROLLBACK")
                raise
            db.conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()
