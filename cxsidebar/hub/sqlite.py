"""The SQLite backend of `HubStorage`."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
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
from cxsidebar.hub import sqlite_events, sqlite_ratings
from cxsidebar.hub.signing import new_secret
from cxsidebar.hub.sqlite_events import insert_event
from cxsidebar.hub.sqlite_pool import ConnectionPool, now_text, one, utc_text
from cxsidebar.hub.sqlite_schema import migrations
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


class SqliteStorage:
    """`HubStorage` over one SQLite file in WAL mode; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool = ConnectionPool(path)
        self._listeners: list[CommitListener] = []
        self._listeners_lock = threading.Lock()
        with self._pool.connection() as db:
            migrations.apply(db)

    # -- commit listeners --------------------------------------------------

    def add_commit_listener(self, listener: CommitListener) -> Callable[[], None]:
        with self._listeners_lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _committed_events(self) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:
                log.exception("a commit listener failed")

    # -- set-up ------------------------------------------------------------

    def add_source(self, name: str) -> str:
        if not name.strip():
            raise ValueError("a source needs a name")
        secret = new_secret()
        with self._pool.writing() as db:
            if one(db, "SELECT 1 FROM sources WHERE name = ?", [name]):
                raise ConflictError(f"a source named {name!r} exists already")
            db.execute(
                "INSERT INTO sources (name, secret, created_at) VALUES (?, ?, ?)",
                [name, secret, now_text()],
            )
        return secret

    def list_sources(self) -> list[str]:
        with self._pool.connection() as db:
            return [row["name"] for row in db.query("SELECT name FROM sources ORDER BY name")]

    def source_secrets(self) -> list[str]:
        with self._pool.connection() as db:
            return [row["secret"] for row in db.query("SELECT secret FROM sources ORDER BY name")]

    def create_token(self, role: Role | str, name: str, queues: Sequence[str] = ()) -> str:
        try:
            checked_role = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {role!r}; expected one of {allowed}") from None
        if not name.strip():
            raise ValueError("a token needs a name (the agent's display name)")
        clean_queues = sorted({q.strip() for q in queues if q.strip()})
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._pool.writing() as db:
            db.execute(
                "INSERT INTO tokens (hash, name, role, queues, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    sha256_text(token),
                    name,
                    checked_role.value,
                    json.dumps(clean_queues),
                    now_text(),
                ],
            )
        return token

    def find_token(self, token: str) -> TokenInfo | None:
        with self._pool.connection() as db:
            row = one(
                db, "SELECT name, role, queues FROM tokens WHERE hash = ?", [sha256_text(token)]
            )
        if row is None:
            return None
        return TokenInfo(
            name=row["name"], role=Role(row["role"]), queues=frozenset(json.loads(row["queues"]))
        )

    def put_customer(self, profile: Profile) -> Profile:
        with self._pool.writing() as db:
            db.execute(
                "INSERT INTO customers (id, profile, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, "
                "updated_at = excluded.updated_at",
                [profile.id, canonical_json(profile), now_text()],
            )
        return profile

    def put_history(self, customer_id: str, items: Sequence[HistoryItem]) -> list[HistoryItem]:
        stored = list(items)
        data = json.dumps([item.model_dump(mode="json") for item in stored], sort_keys=True)
        with self._pool.writing() as db:
            db.execute(
                "INSERT INTO history (customer_id, items, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (customer_id) DO UPDATE SET items = excluded.items, "
                "updated_at = excluded.updated_at",
                [customer_id, data, now_text()],
            )
        return stored

    # -- escalations -------------------------------------------------------

    def accept_escalation(self, escalation: Escalation, webhook_id: str) -> EscalationAccepted:
        body = canonical_json(escalation)
        body_hash = sha256_text(body)
        with self._pool.writing() as db:
            delivery = one(
                db,
                "SELECT body_hash, answer FROM webhook_deliveries WHERE webhook_id = ?",
                [webhook_id],
            )
            if delivery is not None:
                if delivery["body_hash"] != body_hash:
                    raise ConflictError(
                        f"webhook-id {webhook_id!r} was already used for a different body"
                    )
                return EscalationAccepted.model_validate_json(delivery["answer"])
            existing = one(
                db,
                "SELECT body_hash, created_event_id FROM escalations WHERE id = ?",
                [escalation.id],
            )
            if existing is not None:
                if existing["body_hash"] != body_hash:
                    raise ConflictError(
                        f"escalation {escalation.id!r} exists already with a different body"
                    )
                answer = EscalationAccepted(id=escalation.id, event_id=existing["created_event_id"])
            else:
                item = QueueItem.of(escalation)
                event_id = insert_event(
                    db, EventType.CREATED, escalation.queue, escalation.id, item.model_dump_json()
                )
                answer = EscalationAccepted(id=escalation.id, event_id=event_id)
                db.execute(
                    "INSERT INTO escalations (id, queue, channel, customer_id, status, body, "
                    "body_hash, item, created_event_id, created_at, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        escalation.id,
                        escalation.queue,
                        escalation.channel,
                        escalation.customer.id,
                        EscalationStatus.OPEN.value,
                        body,
                        body_hash,
                        item.model_dump_json(),
                        event_id,
                        utc_text(escalation.created_at),
                        now_text(),
                    ],
                )
            db.execute(
                "INSERT INTO webhook_deliveries (webhook_id, escalation_id, body_hash, answer, "
                "received_at) VALUES (?, ?, ?, ?, ?)",
                [webhook_id, escalation.id, body_hash, answer.model_dump_json(), now_text()],
            )
        if existing is None:
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
            where.append(f"queue IN ({', '.join('?' * len(queues))})" if queues else "0")
            params.extend(sorted(queues))
        sql = "SELECT item, status, claimed_by FROM escalations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, rowid"
        with self._pool.connection() as db:
            rows = list(db.query(sql, params))
        return [
            QueueItem.model_validate(
                {
                    **json.loads(row["item"]),
                    "status": row["status"],
                    "claimed_by": row["claimed_by"],
                }
            )
            for row in rows
        ]

    def get_context(self, escalation_id: str) -> EscalationContext | None:
        with self._pool.reading() as db:
            row = one(
                db,
                "SELECT body, customer_id, status, claimed_by, claimed_at FROM escalations "
                "WHERE id = ?",
                [escalation_id],
            )
            if row is None:
                return None
            customer = one(db, "SELECT profile FROM customers WHERE id = ?", [row["customer_id"]])
            history = one(
                db, "SELECT items FROM history WHERE customer_id = ?", [row["customer_id"]]
            )
            summary = one(
                db, "SELECT summary FROM summaries WHERE escalation_id = ?", [escalation_id]
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
        with self._pool.connection() as db:
            row = one(db, "SELECT queue FROM escalations WHERE id = ?", [escalation_id])
        return None if row is None else str(row["queue"])

    def claim(self, escalation_id: str, agent: str) -> ClaimInfo:
        now = datetime.now(UTC)
        with self._pool.writing() as db:
            won = db.execute(
                "UPDATE escalations SET status = ?, claimed_by = ?, claimed_at = ? "
                "WHERE id = ? AND status = ?",
                [
                    EscalationStatus.CLAIMED.value,
                    agent,
                    utc_text(now),
                    escalation_id,
                    EscalationStatus.OPEN.value,
                ],
            ).rowcount
            row = one(
                db,
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
                insert_event(
                    db, EventType.CLAIMED, info.queue, escalation_id, info.model_dump_json()
                )
        if won:
            self._committed_events()
            return info
        if info.claimed_by == agent:
            return info
        raise AlreadyClaimedError(info)

    def put_summary(self, escalation_id: str, summary: Summary) -> int:
        with self._pool.writing() as db:
            row = one(db, "SELECT queue FROM escalations WHERE id = ?", [escalation_id])
            if row is None:
                raise UnknownEscalationError(f"no escalation has the id {escalation_id!r}")
            db.execute(
                "INSERT INTO summaries (escalation_id, summary, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (escalation_id) DO UPDATE SET summary = excluded.summary, "
                "created_at = excluded.created_at",
                [escalation_id, canonical_json(summary), now_text()],
            )
            info = UpdatedInfo(escalation_id=escalation_id, queue=row["queue"], what="summary")
            event_id = insert_event(
                db, EventType.UPDATED, info.queue, escalation_id, info.model_dump_json()
            )
        self._committed_events()
        return event_id

    # -- ratings -----------------------------------------------------------

    def save_ratings(
        self, agent: str, batch: RatingBatch, idempotency_key: str | None
    ) -> RatingBatchResult:
        with self._pool.writing() as db:
            return sqlite_ratings.save_ratings(db, agent, batch, idempotency_key)

    # -- the event log -----------------------------------------------------

    def events_after(
        self, after_id: int, queues: frozenset[str] | None, limit: int
    ) -> list[StoredEvent]:
        with self._pool.connection() as db:
            return sqlite_events.select_after(db, after_id, queues, limit)

    def event_bounds(self) -> EventBounds:
        with self._pool.reading() as db:
            return sqlite_events.select_bounds(db)

    def record_resync(self, reason: str) -> int:
        data = ResyncInfo(reason=reason).model_dump_json()
        with self._pool.writing() as db:
            event_id = insert_event(db, EventType.RESYNC, None, None, data)
        self._committed_events()
        return event_id

    def prune_events(self, keep_last: int) -> int:
        with self._pool.writing() as db:
            return sqlite_events.delete_all_but(db, keep_last)

    def close(self) -> None:
        self._pool.close()
