"""The PostgreSQL backend of `HubStorage` (psycopg 3 with a connection pool).

Writes take one transaction-level advisory lock, so they are serialised across
every hub process as SQLite serialises them: event ids become visible in id
order (a stream never sees N+1 before N) and the check-then-insert steps of an
escalation or a rating cannot race. Commit listeners are called by the one
LISTEN connection of this process (postgres_listen.py), for every process's
commits alike.
"""

from __future__ import annotations

import logging
import select
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from cxsidebar.core import EventType
from cxsidebar.hub.postgres_listen import CHANNEL, STOP_PAYLOAD, EventListener
from cxsidebar.hub.postgres_schema import migrate
from cxsidebar.hub.sql_events import NewEvent
from cxsidebar.hub.sql_storage import SqlStorage
from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.storage import CommitListener, EventBounds, StorageError

log = logging.getLogger(__name__)

WRITE_LOCK = 0x63787362_0002  # pg_advisory_xact_lock key: "cxsb", writes
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10.0  # waiting for a free connection
STATEMENT_TIMEOUT_MS = 30_000
LISTEN_TIMEOUT_SECONDS = 10.0
INSERT_EVENT = (
    "WITH next AS (UPDATE event_log SET newest = newest + 1 RETURNING newest), "
    "added AS (INSERT INTO events (id, type, queue, escalation_id, data, created_at) "
    "SELECT newest, ?, ?, ?, ?, now() FROM next RETURNING id) "
    "SELECT id, pg_notify(?, id::text) FROM added"
)
# Several events in one statement (sql_events.py `insert_events`): the ids newest-n+1 ..
# newest in the order of the arrays, and one notification for all of them. The arrays
# go in binary (`%b`), which spares escaping every JSON text.
INSERT_EVENTS = (
    "WITH next AS (UPDATE event_log SET newest = newest + %(n)s RETURNING newest), "
    "added AS (INSERT INTO events (id, type, queue, escalation_id, data, created_at) "
    "SELECT next.newest - %(n)s + e.ord, e.type, e.queue, e.escalation_id, e.data, now() "
    "FROM next, unnest(%(types)b::text[], %(queues)b::text[], %(ids)b::text[], "
    "%(data)b::text[]) WITH ORDINALITY AS e(type, queue, escalation_id, data, ord)) "
    "SELECT newest, pg_notify(%(channel)s, newest::text) FROM next"
)


class PostgresUnavailableError(StorageError):
    """The database could not be reached."""


def check_idle(conn: psycopg.Connection[Any]) -> None:
    """The pool's check of a connection it hands out, without a round trip each time: an
    idle connection has nothing to read unless the server wrote to it (a shutdown or a
    terminated backend closes the socket, or says why first). Only then does it run the
    pool's own check, which raises for a broken connection, so the pool replaces it."""
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


class PostgresTx:
    """`SqlTx` over a psycopg connection; `?` placeholders become `%s`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def _cursor(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor[dict[str, Any]]:
        cursor = self.conn.cursor(row_factory=dict_row)
        cursor.execute(sql.replace("?", "%s"), list(params))
        return cursor

    def pipeline(self) -> AbstractContextManager[object]:
        """Pipeline mode (group_commit.py `Pipelining`)."""
        return self.conn.pipeline()

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        with self._cursor(sql, params) as cursor:
            return cursor.fetchone()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._cursor(sql, params) as cursor:
            return cursor.fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._cursor(sql, params) as cursor:
            return cursor.rowcount

    def insert_event(
        self, kind: EventType, queue: str | None, escalation_id: str | None, data: str
    ) -> int:
        # One round trip: take the next id, add the row, and queue the notification
        # (sent at commit, and only if the transaction commits).
        row = self.one(INSERT_EVENT, [kind.value, queue, escalation_id, data, CHANNEL])
        assert row is not None
        return int(row["id"])

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """sql_intake.py `ManyRows`: one prepared statement, a row per execution, sent
        together (in pipeline mode: without waiting)."""
        with self.conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)

    def insert_events(self, events: Sequence[NewEvent]) -> list[int]:
        """`EventBatches`: one round trip for a group's events, however many."""
        params = {
            "n": len(events),
            "types": [event.kind.value for event in events],
            "queues": [event.queue for event in events],
            "ids": [event.escalation_id for event in events],
            "data": [event.data for event in events],
            "channel": CHANNEL,
        }
        with self.conn.cursor() as cursor:
            cursor.execute(INSERT_EVENTS, params)
            row = cursor.fetchone()
        assert row is not None
        newest = int(row[0])
        return list(range(newest - len(events) + 1, newest + 1))

    def stamp(self, moment: datetime) -> datetime:
        return moment


class PostgresEngine:
    """`SqlEngine` over a psycopg pool of autocommit connections."""

    def __init__(self, url: str, *, max_connections: int = 10) -> None:
        self.url = url
        try:
            with psycopg.connect(
                url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
            ) as c:
                migrate(c)
        except psycopg.Error as error:
            raise PostgresUnavailableError(f"cannot reach PostgreSQL: {error}".strip()) from None
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            timeout=POOL_TIMEOUT_SECONDS,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            },
            name="cxsidebar-hub",
            # Connections broken by a database restart are replaced before a request
            # uses them (`check_idle`: a round trip only when the server sent something).
            check=check_idle,
            open=True,
        )

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as error:
            raise PostgresUnavailableError(f"no PostgreSQL connection: {error}") from None

    @contextmanager
    def connection(self) -> Iterator[PostgresTx]:
        with self._conn() as conn:
            yield PostgresTx(conn)

    @contextmanager
    def reading(self) -> Iterator[PostgresTx]:
        with self._conn() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresTx(conn)

    @contextmanager
    def writing(self) -> Iterator[PostgresTx]:
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield PostgresTx(conn)

    @contextmanager
    def writing_pipelined(self) -> Iterator[PostgresTx]:
        """`writing` wholly in pipeline mode (group_commit.py `PipelinedWriting`): BEGIN
        and the lock go out with the first read, COMMIT with the pipeline's last sync."""
        with self._conn() as conn, conn.pipeline(), conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield PostgresTx(conn)

    def event_bounds(self, tx: SqlTx) -> EventBounds:
        newest = tx.one("SELECT newest FROM event_log")
        low = tx.one("SELECT MIN(id) AS oldest FROM events")
        return EventBounds(
            oldest=None if low is None or low["oldest"] is None else int(low["oldest"]),
            newest=0 if newest is None else int(newest["newest"]),
        )

    def send_stop(self) -> None:
        """Tell this process's LISTEN thread to stop now (best effort, quick)."""
        try:
            with self._pool.connection(timeout=1.0) as conn:
                conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, STOP_PAYLOAD])
        except psycopg.Error as error:  # PoolTimeout too: the thread stops within a second
            log.debug("could not send the stop notification: %s", error)

    def close(self) -> None:
        self._pool.close()


class PostgresStorage(SqlStorage):
    """`HubStorage` over a PostgreSQL database shared by any number of hub processes.

    The LISTEN connection starts with the first commit listener, so set-up
    commands (the CLI) never open one.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._pg = PostgresEngine(url)
        super().__init__(self._pg)
        self._listener: EventListener | None = None

    def add_commit_listener(self, listener: CommitListener) -> Callable[[], None]:
        remove = super().add_commit_listener(listener)
        with self._listeners_lock:
            started = self._listener
            if started is None:
                started = self._listener = EventListener(self.url, self._call_listeners)
                started.start()
        # So that every commit after this call is heard. If the database cannot be
        # reached, streams still re-read the table at every heartbeat.
        if not started.wait_listening(LISTEN_TIMEOUT_SECONDS):
            log.warning("LISTEN is not in place yet; streams poll until it is")
        return remove

    def _committed_events(self) -> None:
        """Nothing: the LISTEN connection hears of this commit like of any other."""

    @property
    def listener(self) -> EventListener | None:
        return self._listener

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop(notify=self._pg.send_stop)
        super().close()
