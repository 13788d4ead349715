"""The local database's schema, as sqlite-utils migrations applied at every open.

Migrations only ever get appended: a shipped one is never edited, because a
user's database has already recorded it as applied.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("cxsidebar.store")


@migrations(name="0001_ratings_and_outbox")
def _ratings_and_outbox(db: Database) -> None:
    # `body` is the rating as the wire carries it (no agent: the hub takes that from the token).
    db.execute(
        """
        CREATE TABLE ratings (
            id TEXT PRIMARY KEY,
            escalation_id TEXT NOT NULL,
            body TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            synced_at TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'synced', 'rejected')),
            reject_reason TEXT
        )
        """
    )
    db.execute("CREATE INDEX ratings_escalation_status ON ratings (escalation_id, status)")
    # One row per attempt to deliver a rating; `sent_at` is set once the hub answered for it.
    # Rows of one request share `idempotency_key`, so a retry sends the very same batch.
    db.execute(
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            rating_id TEXT NOT NULL REFERENCES ratings (id) ON DELETE CASCADE,
            idempotency_key TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            sent_at TEXT,
            last_error TEXT
        )
        """
    )
    db.execute("CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at)")
    db.execute("CREATE INDEX outbox_key ON outbox (idempotency_key)")
    db.execute("CREATE INDEX outbox_rating ON outbox (rating_id)")


@migrations(name="0002_rating_supersedes")
def _rating_supersedes(db: Database) -> None:
    # The rating a new version replaces at the hub (`Rating.supersedes`), as a column so
    # the outbox can hold a version back until the one it supersedes is accepted.
    db.execute("ALTER TABLE ratings ADD COLUMN supersedes TEXT")
    db.execute("UPDATE ratings SET supersedes = json_extract(body, '$.supersedes')")
    db.execute("CREATE INDEX ratings_supersedes ON ratings (supersedes)")
