"""The SQLite schema of the hub, as sqlite-utils migrations applied at open."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from cxsidebar.hub.cube_schema import migrate_sqlite as migrate_cube
from cxsidebar.hub.cube_schema import migrate_sqlite_7 as migrate_agent_reports
from cxsidebar.hub.ops_schema import SQLITE_DDL as OPS_SQLITE_DDL
from cxsidebar.hub.rating_schema import migrate_sqlite
from cxsidebar.hub.rollup_schema import migrate_sqlite as migrate_rollups
from cxsidebar.hub.sqlite_pool import utc_text

migrations = Migrations("cxsidebar-hub")

# Raw DDL: sqlite-utils cannot declare AUTOINCREMENT, and the events table needs
# it so an id is never reused, even after the newest rows are pruned.
_INITIAL = """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE tokens (
            hash TEXT PRIMARY KEY,          -- SHA-256 hex of the token, never the token
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            queues TEXT NOT NULL,           -- JSON list, empty for every queue
            created_at TEXT NOT NULL
        );
        CREATE TABLE escalations (
            id TEXT PRIMARY KEY,
            queue TEXT NOT NULL,
            channel TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            status TEXT NOT NULL,           -- open | claimed
            claimed_by TEXT,
            claimed_at TEXT,
            body TEXT NOT NULL,             -- the escalation as canonical JSON
            body_hash TEXT NOT NULL,
            item TEXT NOT NULL,             -- the QueueItem JSON, so lists need not parse bodies
            created_event_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,       -- the bot's created_at, in UTC, sortable
            received_at TEXT NOT NULL
        );
        CREATE INDEX escalations_status_created ON escalations (status, created_at);
        CREATE INDEX escalations_queue ON escalations (queue);
        CREATE TABLE webhook_deliveries (
            webhook_id TEXT PRIMARY KEY,
            escalation_id TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            answer TEXT NOT NULL,           -- the JSON of the 202 answer
            received_at TEXT NOT NULL
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL,
            queue TEXT,                     -- NULL: for every subscriber
            escalation_id TEXT,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE customers (
            id TEXT PRIMARY KEY,
            profile TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE history (
            customer_id TEXT PRIMARY KEY,
            items TEXT NOT NULL,            -- JSON list of HistoryItem
            updated_at TEXT NOT NULL
        );
        CREATE TABLE summaries (
            escalation_id TEXT PRIMARY KEY,
            summary TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE ratings (
            id TEXT PRIMARY KEY,            -- the client's uuid, the idempotency key of one rating
            escalation_id TEXT NOT NULL,
            agent TEXT NOT NULL,
            body TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE INDEX ratings_escalation ON ratings (escalation_id);
        CREATE TABLE idempotency_keys (
            agent TEXT NOT NULL,
            key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            response TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (agent, key)
        );
"""


@migrations()
def m001_initial(db: Database) -> None:
    # Inside the migration's transaction sqlite-utils runs the script statement
    # by statement, so a failure leaves no half-made schema behind.
    db.executescript(_INITIAL)


_SUMMARY_VERSIONS = """
        CREATE TABLE summary_versions (
            escalation_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            summary TEXT NOT NULL,          -- every version is kept: what was rated stays visible
            created_at TEXT NOT NULL,
            PRIMARY KEY (escalation_id, version)
        );
        INSERT INTO summary_versions (escalation_id, version, summary, created_at)
            SELECT escalation_id, 1, summary, created_at FROM summaries;
"""


@migrations()
def m002_summary_versions(db: Database) -> None:
    db.executescript(_SUMMARY_VERSIONS)


@migrations()
def m003_rating_facts(db: Database) -> None:
    # rating_facts for reports (backfilled from the ratings stored before) and
    # context_snapshots; the DDL is shared with PostgreSQL in rating_schema.py.
    migrate_sqlite(db, utc_text)


@migrations()
def m004_retention_rotation(db: Database) -> None:
    # purged_at for retention, a previous secret for rotation (ops_schema.py).
    db.executescript(OPS_SQLITE_DDL)


@migrations()
def m005_rating_rollups(db: Database) -> None:
    # Report rollups, filled from rating_facts (rollup_schema.py, shared with PostgreSQL).
    migrate_rollups(db)


@migrations()
def m006_rating_cube(db: Database) -> None:
    # The report cube, filled from rating_facts (cube_schema.py, shared with PostgreSQL).
    migrate_cube(db)


@migrations()
def m007_agent_channel_cube(db: Database) -> None:
    # The cube's agent rows split by channel, and a wider agent index (cube_schema.py).
    migrate_agent_reports(db)
