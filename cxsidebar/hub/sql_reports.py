"""The context-quality report, aggregated in SQL over `rating_facts` (both backends).

Per report, aggregate SQL gives the counts, sums, means and the median time to first
action per group: percentile_cont in a second statement on PostgreSQL, a registered
aggregate in the same statement on SQLite (which has no percentile function). Only
current ratings count.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlite_utils import Database

from cxsidebar.core import (
    GroupBy,
    PartMeans,
    Problem,
    ProblemCount,
    ReportFilters,
    ReportRow,
)
from cxsidebar.hub.rating_facts import PARTS, PROBLEM_BITS, REASON_BITS, REPEATED_BITS, mask_of
from cxsidebar.hub.sql_tx import SqlTx

# Reason kinds as a table, so a rating joins one row per reason kind it has.
_KINDS_CTE = "WITH kinds (kind, bit) AS (VALUES {}) ".format(
    ", ".join(f"('{kind.value}', {1 << bit})" for kind, bit in REASON_BITS.items())
)
_GROUP_COLUMN = {
    GroupBy.DAY: "f.day",
    GroupBy.WEEK: "f.week",
    GroupBy.QUEUE: "f.queue",
    GroupBy.FLOW: "f.flow",
    GroupBy.REASON: "kinds.kind",
    GroupBy.AGENT: "f.agent",
    GroupBy.SUMMARISER: "f.summariser",
}


def is_postgres(tx: SqlTx) -> bool:
    return isinstance(getattr(tx, "conn", None), psycopg.Connection)


@dataclass(frozen=True)
class Where:
    """A WHERE clause over `rating_facts f` and its parameters."""

    sql: str
    params: list[Any]
    narrowed: bool = False  # filters on a column the covering indexes do not hold


def where(
    tx: SqlTx,
    filters: ReportFilters,
    queues: frozenset[str] | None,
    *,
    include_superseded: bool = False,
) -> Where:
    """`queues`: the queues the caller may see and asked for (None: every queue)."""
    conds: list[str] = [] if include_superseded else ["f.current = 1"]
    params: list[Any] = []
    if filters.since is not None:
        conds.append("f.created_at >= ?")
        params.append(tx.stamp(filters.since))
    if filters.until is not None:
        conds.append("f.created_at < ?")
        params.append(tx.stamp(filters.until))
    if queues is not None:
        conds.append(in_list("f.queue", sorted(queues), params))
    for column, values in (
        ("f.flow", filters.flow),
        ("f.agent", filters.agent),
        ("f.channel", filters.channel),
        ("f.summariser", filters.summariser),
    ):
        if values:
            conds.append(in_list(column, sorted(set(values)), params))
    if filters.reason:
        conds.append("(f.reason_mask & ?) <> 0")
        params.append(mask_of(filters.reason, REASON_BITS))
    narrowed = queues is not None or any(
        (filters.flow, filters.agent, filters.channel, filters.summariser, filters.reason)
    )
    return Where(" AND ".join(conds) or "1 = 1", params, narrowed)


def in_list(column: str, values: list[str], params: list[Any]) -> str:
    if not values:
        return "1 = 0"
    params.extend(values)
    return f"{column} IN ({', '.join('?' * len(values))})"


def _aggregates() -> str:
    parts = [
        "COUNT(*) AS n",
        "SUM(f.overall) AS sum_overall",
        *(f"SUM(CASE WHEN f.overall = {s} THEN 1 ELSE 0 END) AS d{s}" for s in range(1, 6)),
        *(f"AVG(f.part_{part}) AS part_{part}" for part in PARTS),
        "SUM(f.had_repeat) AS repeats",
        *(f"SUM((f.repeated_mask >> {b}) & 1) AS rep{b}" for b in REPEATED_BITS.values()),
        *(f"SUM((f.problem_mask >> {b}) & 1) AS prob{b}" for b in PROBLEM_BITS.values()),
        "COUNT(f.outcome) AS with_outcome",
        "SUM(CASE WHEN f.outcome = 'resolved' THEN 1 ELSE 0 END) AS resolved",
    ]
    return ", ".join(parts)


def source_of(group_by: GroupBy) -> tuple[str, str]:
    """The CTE prefix and the FROM clause for a grouping."""
    if group_by is GroupBy.REASON:
        return _KINDS_CTE, "rating_facts f JOIN kinds ON (f.reason_mask & kinds.bit) <> 0"
    return "", "rating_facts f"


def group_column(group_by: GroupBy) -> str:
    """The SQL of a grouping's key over `rating_facts f` (and `kinds` for reasons)."""
    return _GROUP_COLUMN[group_by]


def report_rows(tx: SqlTx, group_by: GroupBy, clause: Where) -> list[ReportRow]:
    key = _GROUP_COLUMN[group_by]
    cte, source = source_of(group_by)
    if is_postgres(tx):
        # Memory for the sorts, so a million values do not spill to disk (this
        # transaction only).
        tx.execute("SET LOCAL work_mem = '64MB'")
        if clause.narrowed:
            # Filtered: the rows the report reads once, sorted per group for the median
            # (what the other paths leave here is a small part of the ratings).
            sql = (
                f"{cte}SELECT {key} AS key, {_aggregates()}, "  # noqa: S608 (constants)
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_action_ms) AS median "
                f"FROM {source} WHERE {clause.sql} GROUP BY {key} ORDER BY {key}"
            )
            return [report_row(group_by, row) for row in tx.rows(sql, clause.params)]
        # Everything: two statements, as the aggregates hash in parallel, which
        # percentile_cont (an ordered-set aggregate) would turn into one sort of every
        # row by group.
        sql = (
            f"{cte}SELECT {key} AS key, {_aggregates()} FROM {source} "  # noqa: S608
            f"WHERE {clause.sql} GROUP BY {key} ORDER BY {key}"
        )
        medians = {
            str(row["key"]): row["median"]
            for row in tx.rows(
                f"{cte}SELECT {key} AS key, "  # noqa: S608 (constants)
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_action_ms) AS median "
                f"FROM {source} WHERE {clause.sql} AND f.first_action_ms IS NOT NULL "
                f"GROUP BY {key}",
                clause.params,
            )
        }
        rows = tx.rows(sql, clause.params)
        return [
            report_row(group_by, {**row, "median": medians.get(str(row["key"]))}) for row in rows
        ]
    # SQLite has no percentile function: an aggregate function computes the median in the
    # same pass, twice as fast at a million ratings as numbering rows in an ordered window.
    db = getattr(tx, "db", None)
    if not isinstance(db, Database):
        raise TypeError(f"reports need SQLite or PostgreSQL, not {type(tx).__name__}")
    # typeshed says finalize returns int; SQLite takes a float or NULL as well.
    db.conn.create_aggregate("cx_median", 1, SqliteMedian)  # type: ignore[arg-type]
    return [
        report_row(group_by, row) for row in tx.rows(sqlite_sql(group_by, clause), clause.params)
    ]


def sqlite_sql(group_by: GroupBy, clause: Where) -> str:
    """The one statement of a report on SQLite (it needs `cx_median` registered).

    Without dimension filters SQLite reads the grouping's covering index in order.
    With them, walking that index would fetch every row from the table to test the
    filter, slower than the filter's own index or a scan and a sort: a unary `+`
    keeps the grouping from choosing the index. Reasons join the ratings first
    (CROSS JOIN fixes SQLite's join order), so the ratings are read once.
    """
    key = _GROUP_COLUMN[group_by]
    cte, source = source_of(group_by)
    source = source.replace(" JOIN kinds ", " CROSS JOIN kinds ")
    group = f"+{key}" if clause.narrowed else key
    return (
        f"{cte}SELECT {key} AS key, {_aggregates()}, "  # noqa: S608 (constants)
        f"cx_median(f.first_action_ms) AS median FROM {source} "
        f"WHERE {clause.sql} GROUP BY {group} ORDER BY {group}"
    )


class SqliteMedian:
    """SQLite aggregate: the median of the non-NULL values, the mean of the middle two."""

    def __init__(self) -> None:
        self.values: list[int] = []

    def step(self, value: int | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return float(statistics.median(self.values)) if self.values else None


def _label(group_by: GroupBy, key: str) -> str:
    if group_by is GroupBy.WEEK:
        return f"Week of {key}"
    if group_by is GroupBy.REASON:
        return key.replace("_", " ")
    return key


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def report_row(group_by: GroupBy, row: dict[str, Any]) -> ReportRow:
    n = int(row["n"])
    with_outcome = int(row["with_outcome"])
    problems = [
        ProblemCount(problem=problem, count=int(row[f"prob{bit}"]))
        for problem, bit in PROBLEM_BITS.items()
        if int(row[f"prob{bit}"]) > 0
    ]
    problems.sort(key=lambda p: (-p.count, list(Problem).index(p.problem)))
    key = str(row["key"])
    return ReportRow(
        key=key,
        label=_label(group_by, key),
        ratings=n,
        mean_overall=min(5.0, max(1.0, int(row["sum_overall"]) / n)),
        distribution=[int(row[f"d{s}"]) for s in range(1, 6)],
        parts=PartMeans(**{part: _float(row[f"part_{part}"]) for part in PARTS}),
        repeated_share=int(row["repeats"]) / n,
        repeated={item: int(row[f"rep{bit}"]) for item, bit in REPEATED_BITS.items()},
        top_problems=problems,
        median_first_action_ms=_float(row["median"]),
        with_outcome=with_outcome,
        fcr_share=int(row["resolved"]) / with_outcome if with_outcome else None,
    )
