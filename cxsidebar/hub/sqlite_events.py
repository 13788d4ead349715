"""The events table in SQLite: append and bounds (reading and pruning: sql_events).

Ids come from AUTOINCREMENT, so they only grow, even after pruning. Writers
are serialised, so ids become visible in order and a reader never sees id N+1
before N.
"""

from __future__ import annotations

from sqlite_utils import Database

from cxsidebar.core import EventType
from cxsidebar.hub.sqlite_pool import now_text, one
from cxsidebar.hub.storage import EventBounds


def insert_event(
    db: Database, kind: EventType, queue: str | None, escalation_id: str | None, data: str
) -> int:
    cursor = db.execute(
        "INSERT INTO events (type, queue, escalation_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
        [kind.value, queue, escalation_id, data, now_text()],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def select_bounds(db: Database) -> EventBounds:
    """Call inside a read transaction, so both numbers come from one snapshot."""
    seq = one(db, "SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    low = one(db, "SELECT MIN(id) AS oldest FROM events")
    return EventBounds(
        oldest=None if low is None else low["oldest"],
        newest=0 if seq is None else int(seq["seq"]),
    )
