"""Reading and pruning the events table, the same SQL on every backend.

Appending is the backend's (`SqlTx.insert_event`): each has its own way to hand
out ids that only grow and become visible in order.
"""

from __future__ import annotations

from typing import Any

from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.storage import StoredEvent


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
