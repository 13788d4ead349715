"""The events table in SQLite: append, read after an id, bounds, pruning.

Ids come from AUTOINCREMENT, so they only grow, even after pruning. Writers
are serialised, so ids become visible in order and a reader never sees id N+1
before N.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from cxsidebar.core import EventType
from cxsidebar.hub.sqlite_pool import now_text, one
from cxsidebar.hub.storage import EventBounds, StoredEvent


def insert_event(
    db: Database, kind: EventType, queue: str | None, escalation_id: str | None, data: str
) -> int:
    cursor = db.execute(
        "INSERT INTO events (type, queue, escalation_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
        [kind.value, queue, escalation_id, data, now_text()],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def select_after(
    db: Database, after_id: int, queues: frozenset[str] | None, limit: int
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
    return [StoredEvent(**row) for row in db.query(sql, params)]


def select_bounds(db: Database) -> EventBounds:
    """Call inside a read transaction, so both numbers come from one snapshot."""
    seq = one(db, "SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    low = one(db, "SELECT MIN(id) AS oldest FROM events")
    return EventBounds(
        oldest=None if low is None else low["oldest"],
        newest=0 if seq is None else int(seq["seq"]),
    )


def delete_all_but(db: Database, keep_last: int) -> int:
    if keep_last < 0:
        raise ValueError(f"keep_last: expected 0 or more, got {keep_last}")
    cursor = db.execute(
        "DELETE FROM events WHERE id NOT IN (SELECT id FROM events ORDER BY id DESC LIMIT ?)",
        [keep_last],
    )
    return cursor.rowcount
