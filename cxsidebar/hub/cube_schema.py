"""Migrations 6 and 7 of both backends: `rating_cube`, filled from the rating facts.

sqlite_schema.py and postgres_schema.py call these; the DDL is one template (see
cube.py for what a row holds; the DDL's comments predate migration 7). Migration
6 makes the table and its day, week, month, agent_month and agent_week rows;
migration 7 adds the agent_channel_month and agent_channel_week rows (no DDL: the
table's key has channel and agent). A migration's statements never change once
shipped. `REBUILD` recomputes every row from `rating_facts` in SQL: what a bulk
load (rating_generator.py) runs after writing facts directly, and what the tests
compare the rows kept at ingestion with.
"""

from __future__ import annotations

from typing import Any

import psycopg
from sqlite_utils import Database

from cxsidebar.hub.cube import CUBE_COLUMNS, CUBE_KEY_COLUMNS
from cxsidebar.hub.rating_schema import SQLITE_AGENT_COVERING
from cxsidebar.hub.rollups import MEASURE_COLUMNS, MEASURES

# INTEGER, not the rollups' BIGINT: half the size on PostgreSQL, and a cube row's
# largest sum (sum_overall, at most 5 per rating) stays far below 2^31 for any
# contact centre: a row is one month of one flow, summariser and queue.
_MEASURE_DDL = "".join(f"\n    {name} INTEGER NOT NULL DEFAULT 0," for name in MEASURE_COLUMNS)
_DDL = f"""
CREATE TABLE rating_cube (
    grain TEXT NOT NULL,            -- day | week | month | agent_month | agent_week
    period TEXT NOT NULL,           -- YYYY-MM-DD (day; the Monday of a week) or YYYY-MM, UTC
    queue TEXT NOT NULL,
    channel TEXT NOT NULL,          -- '' in agent_month rows
    flow TEXT NOT NULL,
    reason_mask INTEGER NOT NULL,   -- the escalation's reason kinds (rating_facts.REASON_BITS)
    summariser TEXT NOT NULL,
    agent TEXT NOT NULL,            -- '' except in agent_month rows
    week TEXT NOT NULL,             -- Monday of the ISO week (day, week rows; else '')
    -- sums over the current ratings of the row (rollups.MEASURES){_MEASURE_DDL}
    PRIMARY KEY (grain, period, queue, channel, flow, reason_mask, summariser, agent)
){{suffix}};
"""
# WITHOUT ROWID: SQLite keeps the rows in primary-key order, so a report reads one range.
SQLITE_DDL = _DDL.format(suffix=" WITHOUT ROWID")
POSTGRES_DDL = _DDL.format(suffix="")

_SUMS = ", ".join(f"SUM({sql})" for _, sql in MEASURES)
_INSERT = f"INSERT INTO rating_cube ({', '.join(CUBE_COLUMNS)}) "
_PLACE = "f.queue, f.channel, f.flow, f.reason_mask, f.summariser"
_DAYS = (
    f"{_INSERT}SELECT 'day', f.day, {_PLACE}, '', f.week, {_SUMS} "  # noqa: S608 (constants)
    f"FROM rating_facts f WHERE f.current = 1 GROUP BY f.day, {_PLACE}, f.week"
)


def _from_days(grain: str, period: str, week: str) -> str:
    """Month or week rows, summed from the day rows (`period`, `week`: SQL over them)."""
    return (
        f"{_INSERT}SELECT '{grain}', {period}, queue, channel, flow, reason_mask, "  # noqa: S608
        f"summariser, '', {week}, "
        + ", ".join(f"SUM({name})" for name in MEASURE_COLUMNS)
        + " FROM rating_cube WHERE grain = 'day' "
        f"GROUP BY {period}, queue, channel, flow, reason_mask, summariser"
    )


def _agent_rows(grain: str, period: str, *, by_channel: bool) -> str:
    """Agent rows from the facts (`period`: SQL over a fact `f`), split by channel or not."""
    channel, grouped = ("f.channel", "f.channel, ") if by_channel else ("''", "")
    return (
        f"{_INSERT}SELECT '{grain}', {period}, f.queue, {channel}, f.flow, "  # noqa: S608
        f"f.reason_mask, f.summariser, f.agent, '', {_SUMS} FROM rating_facts f "
        f"WHERE f.current = 1 GROUP BY {period}, f.queue, {grouped}f.flow, f.reason_mask, "
        "f.summariser, f.agent"
    )


_MONTH, _WEEK = "substr(f.day, 1, 7)", "f.week"
# What each migration runs after its DDL (the statements must stay as they shipped).
_MIGRATION_6 = (
    "DELETE FROM rating_cube",
    _DAYS,
    _from_days("week", "week", "week"),
    _from_days("month", "substr(period, 1, 7)", "''"),
    _agent_rows("agent_month", _MONTH, by_channel=False),
    _agent_rows("agent_week", _WEEK, by_channel=False),
)
_MIGRATION_7 = (
    _agent_rows("agent_channel_month", _MONTH, by_channel=True),
    _agent_rows("agent_channel_week", _WEEK, by_channel=True),
)
REBUILD: tuple[str, ...] = (*_MIGRATION_6, *_MIGRATION_7)
assert CUBE_KEY_COLUMNS[-2:] == ("agent", "week")  # the SELECTs list them in this order


def migrate_sqlite(db: Database) -> None:
    """Migration 6."""
    db.executescript(SQLITE_DDL)
    for sql in _MIGRATION_6:
        db.execute(sql)


def migrate_postgres(conn: psycopg.Connection[Any]) -> None:
    """Migration 6, inside its transaction; statistics for the planner at the end."""
    conn.execute(POSTGRES_DDL)
    for sql in _MIGRATION_6:
        conn.execute(sql)
    conn.execute("ANALYZE rating_cube")


def migrate_sqlite_7(db: Database) -> None:
    """Migration 7: the agent rows split by channel, and the wider agent index of the
    facts (rating_schema.SQLITE_AGENT_COVERING). Then full statistics of both tables
    (3 s at a million ratings), so the planner knows the new index from the first
    report (the hub's `PRAGMA optimize` would take them only later)."""
    for sql in (
        *SQLITE_AGENT_COVERING,
        *_MIGRATION_7,
        "ANALYZE rating_facts",
        "ANALYZE rating_cube",
    ):
        db.execute(sql)


def migrate_postgres_7(conn: psycopg.Connection[Any]) -> None:
    """Migration 7, inside its transaction."""
    for sql in _MIGRATION_7:
        conn.execute(sql)
    conn.execute("ANALYZE rating_cube")
