"""Storing a group of signed escalations with batch-level SQL (the same SQL on every backend).

Group commit (group_commit.py) hands `accept_batch` every delivery that arrived
while the previous transaction committed. Instead of a look-up and four
statements per delivery, the group costs one look-up (deliveries and
escalations together), one append of all its events (`sql_events.insert_events`:
one statement on PostgreSQL) and one INSERT statement per table (`insert_rows`: on
PostgreSQL prepared once and executed for every row in the pipeline). On
PostgreSQL, where the write lock is held across round trips, that is what bounds
intake. The JSON texts and hashes are made by `Intake.of` in the request's own
thread, before the write lock.

The answers are those of storing the deliveries one after the other, in order:
a repeated webhook-id gets the first answer (or a conflict if its body differs),
a known escalation id with the same body gets the original answer under its new
webhook-id, with a different body a conflict. A conflict writes nothing and is
that delivery's answer alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from cxsidebar.core import Escalation, EscalationAccepted, EscalationStatus, EventType, QueueItem
from cxsidebar.hub.sql_events import NewEvent, insert_events
from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.storage import ConflictError, StorageError, canonical_json, sha256_text

ESCALATION_COLUMNS = (
    "id", "queue", "channel", "customer_id", "status", "body", "body_hash", "item",
    "created_event_id", "created_at", "received_at",
)  # fmt: skip
DELIVERY_COLUMNS = ("webhook_id", "escalation_id", "body_hash", "answer", "received_at")


@dataclass(frozen=True)
class Intake:
    """One delivery, with the texts it stores made before the write lock."""

    escalation: Escalation
    webhook_id: str
    body: str  # canonical JSON: what is hashed is what is stored
    body_hash: str
    item: str  # the QueueItem JSON, the data of `escalation.created`

    @classmethod
    def of(cls, escalation: Escalation, webhook_id: str) -> Intake:
        body = canonical_json(escalation)
        return cls(
            escalation=escalation,
            webhook_id=webhook_id,
            body=body,
            body_hash=sha256_text(body),
            item=QueueItem.of(escalation).model_dump_json(),
        )


# A delivery's answer before the group's events have ids: a stored answer, or the
# index of an escalation this group creates.
_Answer = EscalationAccepted | int
Accepted = tuple[EscalationAccepted, bool]  # the answer, and whether the escalation is new


def accept_batch(tx: SqlTx, intakes: Sequence[Intake]) -> list[Accepted | StorageError]:
    """Store `intakes` inside `tx`, as if one after the other; one answer per intake."""
    delivered, known = look_up(tx, intakes)
    new: list[Intake] = []
    recorded: list[tuple[Intake, _Answer]] = []
    decided: list[tuple[_Answer, bool] | StorageError] = []
    for intake in intakes:
        seen = delivered.get(intake.webhook_id)
        if seen is not None:
            if seen[0] != intake.body_hash:
                decided.append(
                    ConflictError(
                        f"webhook-id {intake.webhook_id!r} was already used for a different body"
                    )
                )
            else:
                decided.append((seen[1], False))
            continue
        escalation_id = intake.escalation.id
        existing = known.get(escalation_id)
        if existing is not None and existing[0] != intake.body_hash:
            decided.append(
                ConflictError(f"escalation {escalation_id!r} exists already with a different body")
            )
            continue
        if existing is None:
            answer: _Answer = len(new)
            new.append(intake)
            known[escalation_id] = (intake.body_hash, answer)
        else:
            answer = existing[1]
        delivered[intake.webhook_id] = (intake.body_hash, answer)
        recorded.append((intake, answer))
        decided.append((answer, existing is None))
    event_ids = insert_events(
        tx, [NewEvent(EventType.CREATED, i.escalation.queue, i.escalation.id, i.item) for i in new]
    )
    answers = [
        EscalationAccepted(id=i.escalation.id, event_id=event_id)
        for i, event_id in zip(new, event_ids, strict=True)
    ]

    def resolve(answer: _Answer) -> EscalationAccepted:
        return answers[answer] if isinstance(answer, int) else answer

    now = tx.stamp(datetime.now(UTC))
    insert_escalations(tx, new, event_ids, now)
    record_deliveries(tx, [(intake, resolve(answer)) for intake, answer in recorded], now)
    return [
        result if isinstance(result, StorageError) else (resolve(result[0]), result[1])
        for result in decided
    ]


def look_up(
    tx: SqlTx, intakes: Sequence[Intake]
) -> tuple[dict[str, tuple[str, _Answer]], dict[str, tuple[str, _Answer]]]:
    """The stored deliveries and escalations `intakes` name, in one query: webhook id →
    (body hash, answer) and escalation id → (body hash, answer)."""
    webhook_ids = sorted({i.webhook_id for i in intakes})
    escalation_ids = sorted({i.escalation.id for i in intakes})
    deliveries = _marks(len(webhook_ids))
    escalations = _marks(len(escalation_ids))
    sql = (
        "SELECT 'd' AS kind, webhook_id AS key, body_hash, answer, NULL AS event_id "  # noqa: S608 (? marks only)
        f"FROM webhook_deliveries WHERE webhook_id IN ({deliveries}) UNION ALL "
        "SELECT 'e' AS kind, id AS key, body_hash, NULL AS answer, created_event_id AS event_id "
        f"FROM escalations WHERE id IN ({escalations})"
    )
    rows = tx.rows(sql, [*webhook_ids, *escalation_ids])
    delivered: dict[str, tuple[str, _Answer]] = {}
    known: dict[str, tuple[str, _Answer]] = {}
    for row in rows:
        if row["kind"] == "d":
            answer = EscalationAccepted.model_validate_json(row["answer"])
            delivered[row["key"]] = (row["body_hash"], answer)
        else:
            answer = EscalationAccepted(id=row["key"], event_id=int(row["event_id"]))
            known[row["key"]] = (row["body_hash"], answer)
    return delivered, known


def insert_escalations(
    tx: SqlTx, intakes: Sequence[Intake], event_ids: Sequence[int], now: Any
) -> None:
    open_status = EscalationStatus.OPEN.value
    insert_rows(
        tx,
        "escalations",
        ESCALATION_COLUMNS,
        [
            (
                *(i.escalation.id, i.escalation.queue, i.escalation.channel),
                *(i.escalation.customer.id, open_status, i.body, i.body_hash, i.item),
                *(event_id, tx.stamp(i.escalation.created_at), now),
            )
            for i, event_id in zip(intakes, event_ids, strict=True)
        ],
    )


def record_deliveries(
    tx: SqlTx, deliveries: Sequence[tuple[Intake, EscalationAccepted]], now: Any
) -> None:
    insert_rows(
        tx,
        "webhook_deliveries",
        DELIVERY_COLUMNS,
        [
            (i.webhook_id, answer.id, i.body_hash, answer.model_dump_json(), now)
            for i, answer in deliveries
        ],
    )


@runtime_checkable
class ManyRows(Protocol):
    """A transaction that runs one statement for many rows without a round trip each
    (PostgreSQL: a prepared statement, executions sent together)."""

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


def insert_rows(
    tx: SqlTx, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Add `rows` with one INSERT statement: prepared once and run for every row, sent
    together where the backend can (`ManyRows`), else run row by row (SQLite, where a
    statement costs no round trip and the one-row statement is compiled once and cached:
    measured cheaper there than a multi-row INSERT, compiled anew for each group size).
    `table` and `columns` are this module's names, never input."""
    if not rows:
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(len(columns))})"  # noqa: S608 (our names)
    if isinstance(tx, ManyRows):
        tx.execute_many(sql, rows)
        return
    for row in rows:
        tx.execute(sql, row)


def _marks(count: int) -> str:
    return ", ".join("?" * count)
