"""Migration 6 of both backends: `rating_cube`, filled from the rating facts.

sqlite_schema.py and postgres_schema.py call these; the DDL is one template (see
cube.py for what a row holds). `REBUILD` recomputes every row from `rating_facts`
in SQL: the migration's backfill, and what a bulk load (rating_generator.py) runs
after writing facts directly.
"""

from __future__ import annotations

from typing import Any

import psycopg
from sqlite_utils import Database

from cxsidebar.hub.cube import CUBE_COLUMNS, CUBE_KEY_COLUMNS
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
_MONTHS = (
    f"{_INSERT}SELECT 'month', substr(period, 1, 7), queue, channel, flow, reason_mask, "  # noqa: S608
    "summariser, '', '', "
    + ", ".join(f"SUM({name})" for name in MEASURE_COLUMNS)
    + " FROM rating_cube WHERE grain = 'day' "
    "GROUP BY substr(period, 1, 7), queue, channel, flow, reason_mask, summariser"
)
_WEEKS = (
    f"{_INSERT}SELECT 'week', week, queue, channel, flow, reason_mask, "  # noqa: S608
    "summariser, '', week, "
    + ", ".join(f"SUM({name})" for name in MEASURE_COLUMNS)
    + " FROM rating_cube WHERE grain = 'day' "
    "GROUP BY week, queue, channel, flow, reason_mask, summariser"
)
_AGENT_MONTHS = (
    f"{_INSERT}SELECT 'agent_month', substr(f.day, 1, 7), f.queue, '', f.flow, "  # noqa: S608
    f"f.reason_mask, f.summariser, f.agent, '', {_SUMS} FROM rating_facts f "
    "WHERE f.current = 1 "
    "GROUP BY substr(f.day, 1, 7), f.queue, f.flow, f.reason_mask, f.summariser, f.agent"
)
_AGENT_WEEKS = (
    f"{_INSERT}SELECT 'agent_week', f.week, f.queue, '', f.flow, "  # noqa: S608
    f"f.reason_mask, f.summariser, f.agent, '', {_SUMS} FROM rating_facts f "
    "WHERE f.current = 1 "
    "GROUP BY f.week, f.queue, f.flow, f.reason_mask, f.summariser, f.agent"
)
REBUILD: tuple[str, ...] = (
    "DELETE FROM rating_cube",
    _DAYS,
    _WEEKS,
    _MONTHS,
    _AGENT_MONTHS,
    _AGENT_WEEKS,
)
assert CUBE_KEY_COLUMNS[-2:] == ("agent", "week")  # the SELECTs list them in this order


def migrate_sqlite(db: Database) -> None:
    db.executescript(SQLITE_DDL)
    for sql in REBUILD:
        db.execute(sql)


def migrate_postgres(conn: psycopg.Connection[Any]) -> None:
    """Inside the migration's transaction; statistics for the planner at the end."""
    conn.execute(POSTGRES_DDL)
    for sql in REBUILD:
        conn.execute(sql)
    conn.execute("ANALYZE rating_cube")
