"""Reading and pruning the events table, the same SQL on every backend.

Appending is the backend's (`SqlTx.insert_event`): each has its own way to hand
out ids that only grow and become visible in order. `insert_events` appends
several in one statement where the backend can (`EventBatches`: PostgreSQL),
one by one where a statement costs no round trip (SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from cxsidebar.core import EventType
from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.storage import StoredEvent


class NewEvent(NamedTuple):
    kind: EventType
    queue: str | None
    escalation_id: str | None
    data: str


@runtime_checkable
class EventBatches(Protocol):
    """A transaction that appends several events in one statement."""

    def insert_events(self, events: Sequence[NewEvent]) -> list[int]: ...


def insert_events(tx: SqlTx, events: Sequence[NewEvent]) -> list[int]:
    """Append `events` in this transaction, in order; their ids, which follow each other."""
    if not events:
        return []
    if isinstance(tx, EventBatches):
        return tx.insert_events(events)
    return [tx.insert_event(*event) for event in events]


def select_after(
    tx: SqlTx, after_id: int, queues: frozenset[str] | None, limit: int
) -> list[StoredEvent]:
    """Events after `after_id` in id order; with `queues`, those queues' and everyone's."""
    sql = "SELECT id, type, queue, escalation_id, data FROM events WHERE id > ?"
    params: list[Any] = [after_id]
    if queues is not None:
        marks = ", ".join("?" * len(queues))
        sql += f" AND (queue IS NULL OR queue IN ({marks}))" if queues else " AND queue IS NULL"
        params.extend(sorted(queues))
    sql += " ORDER BY id LIMIT ?"
    params.append(limit)
    return [StoredEvent(**row) for row in tx.rows(sql, params)]


def delete_all_but(tx: SqlTx, keep_last: int) -> int:
    if keep_last < 0:
        raise ValueError(f"keep_last: expected 0 or more, got {keep_last}")
    return tx.execute(
        "DELETE FROM events WHERE id NOT IN (SELECT id FROM events ORDER BY id DESC LIMIT ?)",
        [keep_last],
    )
