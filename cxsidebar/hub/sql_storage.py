"""`HubStorage` over any SQL database, written once for SQLite and PostgreSQL.

A backend supplies an `SqlEngine` (sql_tx.py). Everything else, the
semantics the routes rely on, lives here: one transaction for an escalation
with its delivery and its `escalation.created` event, the conditional claim,
idempotent ratings.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cxsidebar.core import (
    ClaimInfo,
    Escalation,
    EscalationAccepted,
    EscalationContext,
    EscalationStatus,
    EventType,
    HistoryItem,
    Profile,
    QueueItem,
    RatingBatch,
    RatingBatchResult,
    ResyncInfo,
    Summary,
    UpdatedInfo,
)
from cxsidebar.hub import sql_ratings
from cxsidebar.hub.group_commit import GroupCommit
from cxsidebar.hub.signing import new_secret
from cxsidebar.hub.sql_events import delete_all_but, select_after
from cxsidebar.hub.sql_intake import Intake, accept_batch
from cxsidebar.hub.sql_ops import OpsStorage
from cxsidebar.hub.sql_report_storage import ReportStorage
from cxsidebar.hub.sql_tx import SqlEngine
from cxsidebar.hub.storage import (
    AlreadyClaimedError,
    CommitListener,
    ConflictError,
    EventBounds,
    Role,
    StoredEvent,
    TokenInfo,
    UnknownEscalationError,
    canonical_json,
    sha256_text,
)

log = logging.getLogger(__name__)

TOKEN_PREFIX = "cxs_"  # noqa: S105 (a prefix that makes tokens recognisable)


def checked_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {role!r}; expected one of {allowed}") from None


def queue_item(row: dict[str, Any]) -> QueueItem:
    """A stored `item` with the row's current status and holder."""
    return QueueItem.model_validate(
        {**json.loads(row["item"]), "status": row["status"], "claimed_by": row["claimed_by"]}
    )


def _now() -> datetime:
    return datetime.now(UTC)


class SqlStorage(OpsStorage, ReportStorage):
    """The shared `HubStorage`; backends subclass it with their engine."""

    def __init__(self, engine: SqlEngine) -> None:
        self._engine = engine
        self._listeners: list[CommitListener] = []
        self._listeners_lock = threading.Lock()
        self._intake = GroupCommit(engine, accept_batch, pipelined=True)

    # -- commit listeners --------------------------------------------------

    def add_commit_listener(self, listener: CommitListener) -> Callable[[], None]:
        with self._listeners_lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _call_listeners(self) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:
                log.exception("a commit listener failed")

    def _committed_events(self) -> None:
        """Called after this process committed events; backends that hear of commits
        another way (PostgreSQL's LISTEN) override it."""
        self._call_listeners()

    # -- set-up ------------------------------------------------------------

    def add_source(self, name: str) -> str:
        if not name.strip():
            raise ValueError("a source needs a name")
        secret = new_secret()
        with self._engine.writing() as tx:
            if tx.one("SELECT 1 AS found FROM sources WHERE name = ?", [name]):
                raise ConflictError(f"a source named {name!r} exists already")
            tx.execute(
                "INSERT INTO sources (name, secret, created_at) VALUES (?, ?, ?)",
                [name, secret, tx.stamp(_now())],
            )
        self.forget_signing_keys()  # sql_ops.py caches them for intake
        return secret

    def list_sources(self) -> list[str]:
        with self._engine.connection() as tx:
            return [row["name"] for row in tx.rows("SELECT name FROM sources ORDER BY name")]

    def source_secrets(self) -> list[str]:
        return [secret for _, secret in self.signing_keys()]  # rotation: sql_ops.py

    def create_token(self, role: Role | str, name: str, queues: Sequence[str] = ()) -> str:
        token_role = checked_role(role)
        if not name.strip():
            raise ValueError("a token needs a name (the agent's display name)")
        clean_queues = sorted({q.strip() for q in queues if q.strip()})
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._engine.writing() as tx:
            tx.execute(
                "INSERT INTO tokens (hash, name, role, queues, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    sha256_text(token),
                    name,
                    token_role.value,
                    json.dumps(clean_queues),
                    tx.stamp(_now()),
                ],
            )
        return token

    def find_token(self, token: str) -> TokenInfo | None:
        with self._engine.connection() as tx:
            row = tx.one(
                "SELECT name, role, queues FROM tokens WHERE hash = ?", [sha256_text(token)]
            )
        if row is None:
            return None
        return TokenInfo(
            name=row["name"], role=Role(row["role"]), queues=frozenset(json.loads(row["queues"]))
        )

    def put_customer(self, profile: Profile) -> Profile:
        with self._engine.writing() as tx:
            tx.execute(
                "INSERT INTO customers (id, profile, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, "
                "updated_at = excluded.updated_at",
                [profile.id, canonical_json(profile), tx.stamp(_now())],
            )
        return profile

    def put_history(self, customer_id: str, items: Sequence[HistoryItem]) -> list[HistoryItem]:
        stored = list(items)
        data = json.dumps([item.model_dump(mode="json") for item in stored], sort_keys=True)
        with self._engine.writing() as tx:
            tx.execute(
                "INSERT INTO history (customer_id, items, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (customer_id) DO UPDATE SET items = excluded.items, "
                "updated_at = excluded.updated_at",
                [customer_id, data, tx.stamp(_now())],
            )
        return stored

    # -- escalations -------------------------------------------------------

    def accept_escalation(self, escalation: Escalation, webhook_id: str) -> EscalationAccepted:
        # Concurrent intakes share one transaction and one fsync (group_commit.py), written
        # with batch-level SQL (sql_intake.py); the texts are made here, before the lock.
        answer, created = self._intake.submit(Intake.of(escalation, webhook_id))
        if created:
            self._committed_events()
        return answer

    def list_escalations(
        self, status: EscalationStatus | None, queues: frozenset[str] | None
    ) -> list[QueueItem]:
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        if queues is not None:
            where.append(f"queue IN ({', '.join('?' * len(queues))})" if queues else "1 = 0")
            params.extend(sorted(queues))
        sql = "SELECT item, status, claimed_by FROM escalations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, created_event_id"
        with self._engine.connection() as tx:
            rows = tx.rows(sql, params)
        return [queue_item(row) for row in rows]

    def get_context(self, escalation_id: str) -> EscalationContext | None:
        with self._engine.reading() as tx:
            row = tx.one(
                "SELECT body, customer_id, status, claimed_by, claimed_at FROM escalations "
                "WHERE id = ?",
                [escalation_id],
            )
            if row is None:
                return None
            customer_id = row["customer_id"]
            customer = tx.one("SELECT profile FROM customers WHERE id = ?", [customer_id])
            history = tx.one("SELECT items FROM history WHERE customer_id = ?", [customer_id])
            summary = tx.one(
                "SELECT summary FROM summaries WHERE escalation_id = ?", [escalation_id]
            )
        items = (
            [HistoryItem.model_validate(i) for i in json.loads(history["items"])] if history else []
        )
        items.sort(key=lambda item: item.opened_at, reverse=True)
        return EscalationContext(
            escalation=Escalation.model_validate_json(row["body"]),
            status=EscalationStatus(row["status"]),
            claimed_by=row["claimed_by"],
            claimed_at=row["claimed_at"],
            profile=Profile.model_validate_json(customer["profile"]) if customer else None,
            history=items,
            summary=Summary.model_validate_json(summary["summary"]) if summary else None,
        )

    def escalation_queue(self, escalation_id: str) -> str | None:
        with self._engine.connection() as tx:
            row = tx.one("SELECT queue FROM escalations WHERE id = ?", [escalation_id])
        return None if row is None else str(row["queue"])

    def claim(self, escalation_id: str, agent: str) -> ClaimInfo:
        with self._engine.writing() as tx:
            won = tx.execute(
                "UPDATE escalations SET status = ?, claimed_by = ?, claimed_at = ? "
                "WHERE id = ? AND status = ?",
                [
                    EscalationStatus.CLAIMED.value,
                    agent,
                    tx.stamp(_now()),
                    escalation_id,
                    EscalationStatus.OPEN.value,
                ],
            )
            row = tx.one(
                "SELECT queue, claimed_by, claimed_at FROM escalations WHERE id = ?",
                [escalation_id],
            )
            if row is None:
                raise UnknownEscalationError(f"no escalation has the id {escalation_id!r}")
            info = ClaimInfo(
                escalation_id=escalation_id,
                queue=row["queue"],
                claimed_by=row["claimed_by"],
                claimed_at=row["claimed_at"],
            )
            if won:
                tx.insert_event(
                    EventType.CLAIMED, info.queue, escalation_id, info.model_dump_json()
                )
        if won:
            self._committed_events()
            return info
        if info.claimed_by == agent:
            return info
        raise AlreadyClaimedError(info)

    def put_summary(self, escalation_id: str, summary: Summary) -> int:
        with self._engine.writing() as tx:
            row = tx.one("SELECT queue FROM escalations WHERE id = ?", [escalation_id])
            if row is None:
                raise UnknownEscalationError(f"no escalation has the id {escalation_id!r}")
            latest = tx.one(
                "SELECT MAX(version) AS v FROM summary_versions WHERE escalation_id = ?",
                [escalation_id],
            )
            version = int(latest["v"] or 0) + 1 if latest else 1
            summary = summary.model_copy(update={"version": version})
            tx.execute(
                "INSERT INTO summary_versions (escalation_id, version, summary, created_at)"
                " VALUES (?, ?, ?, ?)",
                [escalation_id, version, canonical_json(summary), tx.stamp(_now())],
            )
            tx.execute(
                "INSERT INTO summaries (escalation_id, summary, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (escalation_id) DO UPDATE SET summary = excluded.summary, "
                "created_at = excluded.created_at",
                [escalation_id, canonical_json(summary), tx.stamp(_now())],
            )
            info = UpdatedInfo(escalation_id=escalation_id, queue=row["queue"], what="summary")
            event_id = tx.insert_event(
                EventType.UPDATED, info.queue, escalation_id, info.model_dump_json()
            )
        self._committed_events()
        return event_id

    def summary_versions(self, escalation_id: str) -> list[Summary]:
        with self._engine.connection() as tx:
            rows = tx.rows(
                "SELECT summary FROM summary_versions WHERE escalation_id = ? ORDER BY version",
                [escalation_id],
            )
        return [Summary.model_validate_json(row["summary"]) for row in rows]

    # -- ratings -----------------------------------------------------------

    def save_ratings(
        self, agent: str, batch: RatingBatch, idempotency_key: str | None
    ) -> RatingBatchResult:
        with self._engine.writing() as tx:
            return sql_ratings.save_ratings(tx, agent, batch, idempotency_key, tx.stamp(_now()))

    # -- the event log -----------------------------------------------------

    def events_after(
        self, after_id: int, queues: frozenset[str] | None, limit: int
    ) -> list[StoredEvent]:
        with self._engine.connection() as tx:
            return select_after(tx, after_id, queues, limit)

    def event_bounds(self) -> EventBounds:
        with self._engine.reading() as tx:
            return self._engine.event_bounds(tx)

    def record_resync(self, reason: str) -> int:
        data = ResyncInfo(reason=reason).model_dump_json()
        with self._engine.writing() as tx:
            event_id = tx.insert_event(EventType.RESYNC, None, None, data)
        self._committed_events()
        return event_id

    def prune_events(self, keep_last: int) -> int:
        with self._engine.writing() as tx:
            return delete_all_but(tx, keep_last)

    def close(self) -> None:
        self._engine.close()
