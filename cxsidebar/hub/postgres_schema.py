"""The PostgreSQL schema of the hub, as numbered SQL migrations applied at open.

`schema_migrations` records what was applied. Each migration runs in its own
transaction, and a session advisory lock makes hub processes that start
together apply them one at a time. Add a migration by appending to
`MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg

from cxsidebar.hub.cube_schema import migrate_postgres as migrate_cube
from cxsidebar.hub.cube_schema import migrate_postgres_7 as migrate_agent_reports
from cxsidebar.hub.ops_schema import POSTGRES_DDL as OPS_POSTGRES_DDL
from cxsidebar.hub.rating_schema import migrate_postgres
from cxsidebar.hub.rollup_schema import migrate_postgres as migrate_rollups
from cxsidebar.hub.storage import StorageError

log = logging.getLogger(__name__)

MIGRATE_LOCK = 0x63787362_0001  # pg_advisory_lock key: "cxsb", migrations

# Times are TIMESTAMPTZ; bodies stay TEXT (canonical JSON), so what was hashed is
# what is stored. Event ids come from `event_log.newest`, bumped in the writing
# transaction under the write lock rather than from a sequence: a sequence is
# not transactional, so ids could become visible out of order across workers
# (a stream would skip N after seeing N+1) and a rolled-back write would burn one.
_INITIAL = """
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,          -- SHA-256 hex of the token, never the token
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    queues TEXT NOT NULL,           -- JSON list, empty for every queue
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE escalations (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    channel TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,           -- open | claimed
    claimed_by TEXT,
    claimed_at TIMESTAMPTZ,
    body TEXT NOT NULL,             -- the escalation as canonical JSON
    body_hash TEXT NOT NULL,
    item TEXT NOT NULL,             -- the QueueItem JSON, so lists need not parse bodies
    created_event_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL, -- the bot's created_at
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX escalations_status_created ON escalations (status, created_at);
CREATE INDEX escalations_queue ON escalations (queue);
CREATE TABLE webhook_deliveries (
    webhook_id TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    answer TEXT NOT NULL,           -- the JSON of the 202 answer
    received_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE event_log (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    newest BIGINT NOT NULL          -- the largest event id ever given out
);
INSERT INTO event_log (newest) VALUES (0);
CREATE TABLE events (
    id BIGINT PRIMARY KEY,          -- from event_log.newest; the SSE id
    type TEXT NOT NULL,
    queue TEXT,                     -- NULL: for every subscriber
    escalation_id TEXT,
    data TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE history (
    customer_id TEXT PRIMARY KEY,
    items TEXT NOT NULL,            -- JSON list of HistoryItem
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE summaries (
    escalation_id TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE ratings (
    id TEXT PRIMARY KEY,            -- the client's uuid, the idempotency key of one rating
    escalation_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ratings_escalation ON ratings (escalation_id);
CREATE TABLE idempotency_keys (
    agent TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agent, key)
);
"""


class SchemaTooNewError(StorageError):
    """The database was migrated by a newer hub than this one."""


# (version, name, SQL); versions start at 1 and have no gaps.
_SUMMARY_VERSIONS = """
CREATE TABLE summary_versions (
    escalation_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    summary TEXT NOT NULL,          -- every version is kept: what was rated stays visible
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (escalation_id, version)
);
INSERT INTO summary_versions (escalation_id, version, summary, created_at)
    SELECT escalation_id, 1, summary, created_at FROM summaries;
"""

# A migration is SQL, or a function that runs inside the migration's transaction.
Migration = str | Callable[[psycopg.Connection[Any]], None]

MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "initial", _INITIAL),
    (2, "summary_versions", _SUMMARY_VERSIONS),
    (3, "rating_facts", migrate_postgres),  # rating_schema.py, shared with SQLite
    (4, "retention_rotation", OPS_POSTGRES_DDL),  # ops_schema.py, shared with SQLite
    (5, "rating_rollups", migrate_rollups),  # rollup_schema.py, shared with SQLite
    (6, "rating_cube", migrate_cube),  # cube_schema.py, shared with SQLite
    (7, "agent_channel_cube", migrate_agent_reports),  # cube_schema.py, shared with SQLite
)


def applied_versions(conn: psycopg.Connection[Any]) -> set[int]:
    rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    return {int(row[0]) for row in rows}


def migrate(conn: psycopg.Connection[Any]) -> list[int]:
    """Apply the migrations `conn`'s database lacks; returns their versions.

    `conn` must be in autocommit mode (each migration opens its own transaction).
    """
    conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = applied_versions(conn)
        newer = max(done, default=0) - len(MIGRATIONS)
        if newer > 0:
            raise SchemaTooNewError(
                f"the database has {newer} migration(s) newer than this hub knows; upgrade the hub"
            )
        applied: list[int] = []
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with conn.transaction():
                if callable(sql):
                    sql(conn)
                else:
                    conn.execute(sql)  # without parameters several statements may run at once
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    [version, name],
                )
            log.info("applied PostgreSQL migration %d (%s)", version, name)
            applied.append(version)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
