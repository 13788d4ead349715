"""Migration 5 of both backends: `rating_rollups`, filled from the rating facts.

sqlite_schema.py and postgres_schema.py call these; the DDL is one template (see
rollups.py for what a row holds). `REBUILD` recomputes every row from
`rating_facts` in SQL: the migration's backfill, and what a bulk load
(rating_generator.py) runs after writing facts directly.
"""

from __future__ import annotations

from typing import Any

import psycopg
from sqlite_utils import Database

from cxsidebar.hub.rating_facts import REASON_BITS
from cxsidebar.hub.rollups import KEY_COLUMNS, MEASURE_COLUMNS, MEASURES, ROLLUP_COLUMNS

_MEASURE_DDL = "".join(f"\n    {name} BIGINT NOT NULL DEFAULT 0," for name in MEASURE_COLUMNS)
_DDL = f"""
CREATE TABLE rating_rollups (
    grain TEXT NOT NULL,            -- day | month
    dim TEXT NOT NULL,              -- all | flow | reason | agent | summariser
    key TEXT NOT NULL,              -- the dimension's value ('' for all)
    period TEXT NOT NULL,           -- YYYY-MM-DD (day) or YYYY-MM (month), UTC
    queue TEXT NOT NULL,
    channel TEXT NOT NULL,
    week TEXT NOT NULL,             -- the Monday of the day's ISO week ('' for months)
    -- sums over the current ratings of the row (rollups.MEASURES){_MEASURE_DDL}
    PRIMARY KEY (grain, dim, key, period, queue, channel)
){{suffix}};
"""
# WITHOUT ROWID: SQLite keeps the rows in primary-key order, so a report reads one range.
SQLITE_DDL = _DDL.format(suffix=" WITHOUT ROWID")
POSTGRES_DDL = _DDL.format(suffix="")

_KINDS = "(SELECT {} ) kinds".format(
    " UNION ALL SELECT ".join(
        f"'{kind.value}' AS kind, {1 << bit} AS bit" for kind, bit in REASON_BITS.items()
    )
)
_KEYS = {
    "all": ("''", "rating_facts f"),
    "flow": ("f.flow", "rating_facts f"),
    "reason": ("kinds.kind", f"rating_facts f JOIN {_KINDS} ON (f.reason_mask & kinds.bit) <> 0"),
    "agent": ("f.agent", "rating_facts f"),
    "summariser": ("f.summariser", "rating_facts f"),
}
_SUMS = ", ".join(f"SUM({sql})" for _, sql in MEASURES)
_INSERT = f"INSERT INTO rating_rollups ({', '.join(ROLLUP_COLUMNS)}) "


def _days(dim: str) -> str:
    key, source = _KEYS[dim]
    group = "f.day, f.queue, f.channel, f.week"
    if dim != "all":
        group = f"{key}, {group}"
    return (
        f"{_INSERT}SELECT 'day', '{dim}', {key}, f.day, f.queue, f.channel, f.week, {_SUMS} "  # noqa: S608
        f"FROM {source} WHERE f.current = 1 GROUP BY {group}"
    )


_MONTHS = (
    f"{_INSERT}SELECT 'month', dim, key, substr(period, 1, 7), queue, channel, '', "  # noqa: S608
    + ", ".join(f"SUM({name})" for name in MEASURE_COLUMNS)
    + " FROM rating_rollups WHERE grain = 'day' "
    "GROUP BY dim, key, substr(period, 1, 7), queue, channel"
)
REBUILD: tuple[str, ...] = (
    "DELETE FROM rating_rollups",
    *(_days(dim) for dim in _KEYS),
    _MONTHS,
)
assert KEY_COLUMNS[:2] == ("grain", "dim")  # _days and _MONTHS list them in this order


def migrate_sqlite(db: Database) -> None:
    db.executescript(SQLITE_DDL)
    for sql in REBUILD:
        db.execute(sql)


def migrate_postgres(conn: psycopg.Connection[Any]) -> None:
    """Inside the migration's transaction; statistics for the planner at the end."""
    conn.execute(POSTGRES_DDL)
    for sql in REBUILD:
        conn.execute(sql)
    conn.execute("ANALYZE rating_rollups")
