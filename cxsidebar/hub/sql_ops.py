"""Operations on the SQL storage: webhook secret rotation and the retention purge.

`SqlStorage` inherits `OpsStorage`; both backends share it (migration 4,
ops_schema.py, adds the columns it needs).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cxsidebar.hub.signing import new_secret
from cxsidebar.hub.sql_tx import SqlEngine, SqlTx
from cxsidebar.hub.storage import StorageError

log = logging.getLogger(__name__)

KEYS_TTL_SECONDS = 1.0
PURGE_BATCH = 200  # escalations rewritten per transaction, so writers are not held up long


class UnknownSourceError(StorageError):
    """No bot source has that name."""


@dataclass(frozen=True)
class Rotation:
    """A rotated source: its new secret, and until when the previous one stays valid."""

    name: str
    secret: str
    previous_expires_at: datetime | None  # None: the previous secret is no longer valid


@dataclass(frozen=True)
class PurgeReport:
    """What one retention run removed."""

    escalations: int  # whose transcript text and summaries were purged
    snapshots: int  # context snapshots deleted
    events: int  # events older than the cut-off deleted (they name customers)
    deliveries: int  # webhook deliveries older than the cut-off deleted

    @property
    def total(self) -> int:
        return self.escalations + self.snapshots + self.events + self.deliveries


def _now() -> datetime:
    return datetime.now(UTC)


def _as_datetime(value: object) -> datetime | None:
    """A stored time (TEXT in SQLite, TIMESTAMPTZ in PostgreSQL) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class OpsStorage:
    _engine: SqlEngine
    # Intake reads the keys for every delivery: kept for a second, so a source added or
    # rotated by another process (the CLI) counts from at most a second later.
    _keys: tuple[float, list[tuple[str, str]]] | None = None

    # -- secret rotation ---------------------------------------------------

    def signing_keys(self) -> list[tuple[str, str]]:
        """(source name, secret) pairs valid now: every current secret, and each previous
        secret whose rotation has not expired."""
        cached = self._keys
        if cached is not None and time.monotonic() - cached[0] < KEYS_TTL_SECONDS:
            return cached[1]
        read_at = time.monotonic()
        keys, expiring = self._read_signing_keys()
        # Not cached when a previous secret expires within the cache's lifetime.
        self._keys = None if expiring else (read_at, keys)
        return keys

    def forget_signing_keys(self) -> None:
        """Sources changed in this process: read them again at the next delivery."""
        self._keys = None

    def _read_signing_keys(self) -> tuple[list[tuple[str, str]], bool]:
        """The keys, and whether a previous secret among them expires within a second."""
        now = _now()
        soon = now + timedelta(seconds=KEYS_TTL_SECONDS)
        expiring = False
        with self._engine.connection() as tx:
            rows = tx.rows(
                "SELECT name, secret, previous_secret, previous_expires_at FROM sources "
                "ORDER BY name"
            )
        keys: list[tuple[str, str]] = []
        for row in rows:
            keys.append((row["name"], row["secret"]))
            expires = _as_datetime(row["previous_expires_at"])
            if row["previous_secret"] and expires is not None and expires > now:
                keys.append((row["name"], row["previous_secret"]))
                expiring = expiring or expires <= soon
        return keys, expiring

    def rotate_source(self, name: str, grace_seconds: float) -> Rotation:
        """Give `name` a new secret; the current one stays valid for `grace_seconds`."""
        secret = new_secret()
        expires = _now() + timedelta(seconds=grace_seconds)
        with self._engine.writing() as tx:
            row = tx.one("SELECT secret FROM sources WHERE name = ?", [name])
            if row is None:
                raise UnknownSourceError(f"no source is named {name!r}")
            tx.execute(
                "UPDATE sources SET secret = ?, previous_secret = ?, previous_expires_at = ? "
                "WHERE name = ?",
                [secret, row["secret"], tx.stamp(expires), name],
            )
        self.forget_signing_keys()
        return Rotation(name=name, secret=secret, previous_expires_at=expires)

    def finish_rotation(self, name: str) -> None:
        """The previous secret of `name` stops being valid now."""
        with self._engine.writing() as tx:
            changed = tx.execute(
                "UPDATE sources SET previous_secret = NULL, previous_expires_at = NULL "
                "WHERE name = ?",
                [name],
            )
        self.forget_signing_keys()
        if not changed:
            raise UnknownSourceError(f"no source is named {name!r}")

    # -- retention ---------------------------------------------------------

    def purge_before(self, cutoff: datetime) -> PurgeReport:
        """Purge what customers said in escalations received before `cutoff`.

        Their transcripts are emptied (the body hash stays, so a late retry of the same
        delivery is still recognised), their summaries and context snapshots deleted;
        events and webhook deliveries older than `cutoff` are deleted. The escalation
        rows, ratings and rating facts stay, so claims, ratings and reports keep working.
        """
        escalations = snapshots = 0
        while True:
            with self._engine.writing() as tx:
                rows = tx.rows(
                    "SELECT id, body FROM escalations WHERE received_at < ? AND purged_at IS NULL "
                    "ORDER BY received_at LIMIT ?",
                    [tx.stamp(cutoff), PURGE_BATCH],
                )
                for row in rows:
                    snapshots += _purge_escalation(tx, row["id"], row["body"])
            escalations += len(rows)
            if len(rows) < PURGE_BATCH:
                break
        with self._engine.writing() as tx:
            events = tx.execute("DELETE FROM events WHERE created_at < ?", [tx.stamp(cutoff)])
            deliveries = tx.execute(
                "DELETE FROM webhook_deliveries WHERE received_at < ?", [tx.stamp(cutoff)]
            )
        report = PurgeReport(escalations, snapshots, events, deliveries)
        if report.total:
            log.info(
                "retention purged %d escalations, %d snapshots, %d events, %d deliveries",
                escalations,
                snapshots,
                events,
                deliveries,
            )
        return report


def _purge_escalation(tx: SqlTx, escalation_id: str, body: str) -> int:
    """Empty one escalation's transcript and drop its derived text; returns the snapshots
    deleted."""
    data = json.loads(body)
    data["transcript"] = []
    tx.execute(
        "UPDATE escalations SET body = ?, purged_at = ? WHERE id = ?",
        [
            json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            tx.stamp(_now()),
            escalation_id,
        ],
    )
    tx.execute("DELETE FROM summaries WHERE escalation_id = ?", [escalation_id])
    tx.execute("DELETE FROM summary_versions WHERE escalation_id = ?", [escalation_id])
    return tx.execute("DELETE FROM context_snapshots WHERE escalation_id = ?", [escalation_id])
