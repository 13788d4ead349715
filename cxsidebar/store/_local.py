"""LocalStore: the sidebar's ratings and their outbox in one SQLite file.

A rating is saved together with its outbox row in one transaction, so "saved"
means "on disk and queued for the hub". The connection belongs to the thread
that opened it (sqlite3's `check_same_thread`); use `StoreThread` to share it.
Every statement is a constant: lists are bound as one JSON parameter and read
with `json_each`, so no SQL is ever built from values.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cxsidebar.core import Rating, RatingResult, SyncState

from ._location import PROC_MOUNTS, check_local
from ._schema import migrations

BUSY_TIMEOUT_MS = 5000

Clock = Callable[[], datetime]

# A version waits until the hub accepted the rating it supersedes (the hub would not know it).
_UNSENT = (
    "SELECT o.seq, o.idempotency_key, o.attempts, r.body FROM outbox o"
    " JOIN ratings r ON r.id = o.rating_id WHERE o.sent_at IS NULL AND r.status = 'pending'"
    " AND NOT EXISTS (SELECT 1 FROM ratings p WHERE p.id = r.supersedes AND p.status = 'pending')"
)
_NEXT_DUE = (
    "SELECT min(o.next_attempt_at) FROM outbox o"
    " JOIN ratings r ON r.id = o.rating_id WHERE o.sent_at IS NULL AND r.status = 'pending'"
    " AND NOT EXISTS (SELECT 1 FROM ratings p WHERE p.id = r.supersedes AND p.status = 'pending')"
)
# Editable: unsynced and possibly nowhere else (never sent, picked for a request or tried).
_EDITABLE = (
    "SELECT id FROM ratings r WHERE escalation_id = ? AND status = 'pending' AND id != ?"
    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.rating_id = r.id"
    " AND (o.idempotency_key IS NOT NULL OR o.attempts > 0 OR o.sent_at IS NOT NULL))"
)
_DUE = _UNSENT + " AND o.next_attempt_at <= ? ORDER BY o.seq LIMIT ?"
# Due, leaving out the batches already taken for requests in flight.
_DUE_OTHER = (
    "SELECT o.seq, o.idempotency_key, o.attempts, r.body FROM outbox o"
    " JOIN ratings r ON r.id = o.rating_id WHERE o.sent_at IS NULL AND r.status = 'pending'"
    " AND NOT EXISTS (SELECT 1 FROM ratings p WHERE p.id = r.supersedes AND p.status = 'pending')"
    " AND o.next_attempt_at <= ? AND (o.idempotency_key IS NULL"
    " OR o.idempotency_key NOT IN (SELECT value FROM json_each(?))) ORDER BY o.seq LIMIT ?"
)
_BATCH = _UNSENT + " AND o.idempotency_key = ? ORDER BY o.seq"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _json_list(values: Iterable[object]) -> str:
    return json.dumps([str(v) for v in values])


@dataclass(frozen=True)
class OutboxBatch:
    """Ratings to send in one request; `key` stays the same on every retry of this batch."""

    key: str
    ratings: list[Rating]
    attempts: int  # failed attempts so far (the most of any rating in the batch)


class LocalStore:
    def __init__(self, path: Path, *, clock: Clock = _utcnow, mounts: Path = PROC_MOUNTS) -> None:
        """`mounts`: a /proc/mounts-style file, for tests of the network-disk refusal."""
        self.path = Path(path)
        self._clock = clock
        check_local(self.path, mounts)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            self.db = Database(conn)
            self.db.enable_wal()
            # Per connection, not per file: every connection this store opens gets them.
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self.db.execute("PRAGMA foreign_keys=ON")
            migrations.apply(self.db)
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self.db.close()

    def pragma(self, name: str) -> Any:
        """The current value of one PRAGMA on this connection (for diagnostics and tests)."""
        if not name.isidentifier():
            raise ValueError(f"not a pragma name: {name!r}")
        return self.db.execute(f"PRAGMA {name}").fetchone()[0]

    # -- writes ---------------------------------------------------------------------------

    def save_rating(self, rating: Rating) -> Rating:
        """Save a rating and queue it for the hub, both or neither; returns what was saved.

        One current rating per escalation. While the previous one is still editable
        (unsynced and never sent), the new one replaces it. Once it synced, or may
        have reached the hub (a request carried it), the new one is a new version:
        its `supersedes` names the previous one (unless the caller set it), both are
        kept, and the new one is sent only after the hub accepted the previous one.
        """
        now = self._clock()
        rid = str(rating.id)
        with self.db.atomic():
            editable = [row[0] for row in self.db.execute(_EDITABLE, [rating.escalation_id, rid])]
            if rating.supersedes is None:
                head = self._head(rating.escalation_id, [*editable, rid])
                if head is not None:
                    rating = rating.model_copy(update={"supersedes": uuid.UUID(head)})
            self._drop_unsent([*editable, rid])
            self.db.execute(
                "DELETE FROM ratings WHERE id IN (SELECT value FROM json_each(?))",
                [_json_list(editable)],
            )
            supersedes = None if rating.supersedes is None else str(rating.supersedes)
            self.db.execute(
                """
                INSERT INTO ratings (id, escalation_id, body, saved_at, status, supersedes)
                VALUES (?, ?, ?, ?, 'pending', ?)
                ON CONFLICT (id) DO UPDATE SET
                    escalation_id = excluded.escalation_id, body = excluded.body,
                    saved_at = excluded.saved_at, status = 'pending',
                    synced_at = NULL, reject_reason = NULL, supersedes = excluded.supersedes
                """,
                [rid, rating.escalation_id, rating.model_dump_json(), now.isoformat(), supersedes],
            )
            self.db.execute(
                "INSERT INTO outbox (rating_id, next_attempt_at) VALUES (?, ?)",
                [rid, now.timestamp()],
            )
        return rating

    def _head(self, escalation_id: str, besides: Sequence[str]) -> str | None:
        """The newest version of this escalation's rating that the hub has or may have."""
        row = self.db.execute(
            "SELECT id FROM ratings WHERE escalation_id = ? AND status != 'rejected'"
            " AND id NOT IN (SELECT value FROM json_each(?))"
            " ORDER BY saved_at DESC, rowid DESC LIMIT 1",
            [escalation_id, _json_list(besides)],
        ).fetchone()
        return None if row is None else str(row[0])

    def mark_results(self, results: Sequence[RatingResult]) -> None:
        """Apply the hub's answers: created/duplicate → synced, rejected → dead letter."""
        now = self._clock().isoformat()
        with self.db.atomic():
            keys = self._keys_of(str(r.id) for r in results)
            for result in results:
                rid = str(result.id)
                if result.status == "rejected":
                    self.db.execute(
                        "UPDATE ratings SET status = 'rejected', reject_reason = ? WHERE id = ?",
                        [result.reason or "rejected by the hub", rid],
                    )
                    self._skip_rejected(rid)
                else:
                    self.db.execute(
                        "UPDATE ratings SET status = 'synced', synced_at = ?, reject_reason = NULL"
                        " WHERE id = ?",
                        [now, rid],
                    )
                self.db.execute(
                    "UPDATE outbox SET sent_at = ?, last_error = ?"
                    " WHERE rating_id = ? AND sent_at IS NULL",
                    [now, result.reason, rid],
                )
            self._unkey(keys)

    def _skip_rejected(self, rid: str) -> None:
        """Versions waiting for a refused rating supersede what that one superseded."""
        self.db.execute(
            """
            UPDATE ratings SET
                supersedes = (SELECT p.supersedes FROM ratings p WHERE p.id = ?),
                body = json_set(body, '$.supersedes',
                                (SELECT p.supersedes FROM ratings p WHERE p.id = ?))
            WHERE supersedes = ? AND status = 'pending'
            """,
            [rid, rid, rid],
        )

    def defer(self, ids: Sequence[uuid.UUID], until: datetime, error: str) -> None:
        """Count a failed attempt for these ratings and hold them back until `until`."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
                " WHERE sent_at IS NULL AND rating_id IN (SELECT value FROM json_each(?))",
                [until.timestamp(), error, _json_list(ids)],
            )

    def release_deferred(self) -> int:
        """The hub answered again: make every held-back rating due now, backoff reset."""
        now = self._clock().timestamp()
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE outbox SET attempts = 0, next_attempt_at = ?"
                " WHERE sent_at IS NULL AND next_attempt_at > ?",
                [now, now],
            )
            return cursor.rowcount

    def isolate(self, key: str) -> None:
        """Give each rating of a refused batch its own key, so the next tries find the bad one."""
        with self.db.atomic():
            seqs = self.db.execute(
                "SELECT seq FROM outbox WHERE idempotency_key = ? AND sent_at IS NULL", [key]
            ).fetchall()
            for (seq,) in seqs:
                self.db.execute(
                    "UPDATE outbox SET idempotency_key = ? WHERE seq = ?", [str(uuid.uuid4()), seq]
                )

    def next_batch(self, limit: int, now: datetime) -> OutboxBatch | None:
        """The next request to send: a batch tried before (same key, same ratings) or a new one."""
        batches = self.next_batches(limit, now, 1)
        return batches[0] if batches else None

    def next_batches(self, limit: int, now: datetime, count: int) -> list[OutboxBatch]:
        """Up to `count` disjoint batches of at most `limit`, to send side by side."""
        taken: list[tuple[str, list[dict[str, Any]]]] = []
        with self.db.atomic():
            for _ in range(count):
                skip = json.dumps([key for key, _rows in taken])
                rows = list(self.db.query(_DUE_OTHER, [now.timestamp(), skip, limit]))
                if not rows:
                    break
                key = rows[0]["idempotency_key"]
                if key is not None:
                    rows = list(self.db.query(_BATCH, [key]))
                else:
                    key = str(uuid.uuid4())
                    rows = [row for row in rows if row["idempotency_key"] is None]
                    self.db.execute(
                        "UPDATE outbox SET idempotency_key = ?"
                        " WHERE seq IN (SELECT value FROM json_each(?))",
                        [key, json.dumps([row["seq"] for row in rows])],
                    )
                taken.append((key, rows))
        return [
            OutboxBatch(
                key=key,
                ratings=[Rating.model_validate_json(row["body"]) for row in rows],
                attempts=max(row["attempts"] for row in rows),
            )
            for key, rows in taken
        ]

    def _drop_unsent(self, rating_ids: Sequence[str]) -> None:
        """Remove unsent outbox rows of these ratings; their batch-mates get a fresh batch."""
        keys = self._keys_of(rating_ids)
        self.db.execute(
            "DELETE FROM outbox WHERE sent_at IS NULL"
            " AND rating_id IN (SELECT value FROM json_each(?))",
            [_json_list(rating_ids)],
        )
        self._unkey(keys)

    def _unkey(self, keys: list[str]) -> None:
        # A batch whose membership changed must not be resent under its old key.
        self.db.execute(
            "UPDATE outbox SET idempotency_key = NULL WHERE sent_at IS NULL"
            " AND idempotency_key IN (SELECT value FROM json_each(?))",
            [json.dumps(keys)],
        )

    # -- reads ----------------------------------------------------------------------------

    def due(self, limit: int, now: datetime) -> list[Rating]:
        """Unsent ratings whose next attempt is due, oldest first."""
        return [Rating.model_validate_json(row["body"]) for row in self._due_rows(limit, now)]

    def next_due_at(self) -> datetime | None:
        """When the earliest unsent rating becomes due, or None if the outbox is empty."""
        (earliest,) = self.db.execute(_NEXT_DUE).fetchone()
        return None if earliest is None else datetime.fromtimestamp(earliest, UTC)

    def sync_state(self) -> SyncState:
        counts = dict(
            self.db.execute(
                "SELECT status, count(*) FROM ratings WHERE status != 'synced' GROUP BY status"
            ).fetchall()
        )
        return SyncState(unsynced=counts.get("pending", 0), rejected=counts.get("rejected", 0))

    def rejected(self) -> list[tuple[Rating, str]]:
        """The dead letters: ratings the hub refused for good, with its reason."""
        rows = self.db.execute(
            "SELECT body, reject_reason FROM ratings WHERE status = 'rejected' ORDER BY saved_at"
        ).fetchall()
        return [(Rating.model_validate_json(body), reason or "") for body, reason in rows]

    def current(self) -> dict[str, Rating]:
        """Each escalation's current rating: its newest version the hub has not refused."""
        rows = self.db.execute(
            "SELECT escalation_id, body FROM ratings WHERE status != 'rejected'"
            " ORDER BY saved_at, rowid"
        ).fetchall()
        return {escalation: Rating.model_validate_json(body) for escalation, body in rows}

    def rating(self, rating_id: uuid.UUID) -> tuple[Rating, str] | None:
        """One saved rating and its status (pending, synced or rejected)."""
        row = self.db.execute(
            "SELECT body, status FROM ratings WHERE id = ?", [str(rating_id)]
        ).fetchone()
        return None if row is None else (Rating.model_validate_json(row[0]), row[1])

    def _due_rows(self, limit: int, now: datetime) -> list[dict[str, Any]]:
        return list(self.db.query(_DUE, [now.timestamp(), limit]))

    def _keys_of(self, rating_ids: Iterable[str]) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT idempotency_key FROM outbox WHERE sent_at IS NULL"
            " AND idempotency_key IS NOT NULL AND rating_id IN (SELECT value FROM json_each(?))",
            [_json_list(rating_ids)],
        ).fetchall()
        return [key for (key,) in rows]
