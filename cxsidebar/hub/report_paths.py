"""Which rows answer a context-quality report, cheapest first.

1. "rollups": the one-dimension rollups (sql_rollups.py), when they answer exactly.
2. "cube": the cube's day, week and month rows (sql_cube.py): any filters but agent.
3. "agent rows": the cube's agent month and week rows (split by channel too when the
   report filters by channel) plus the facts for the partial weeks; any report by
   agent or filtered by agent but those grouped by day.
4. "raw": the facts (sql_reports.py), which answer everything, the median exactly.
"""

from __future__ import annotations

from collections.abc import Collection

from cxsidebar.core import GroupBy, ReportFilters, ReportRow
from cxsidebar.hub import sql_cube, sql_reports, sql_rollups
from cxsidebar.hub.sql_tx import SqlTx

PATHS = ("rollups", "cube", "agent rows", "raw")


def source(group_by: GroupBy, filters: ReportFilters, paths: Collection[str] = PATHS) -> str:
    """The path (one of PATHS) `report` takes for these filters; `paths`: the ones it
    may take (benchmarks compare them), "raw" always."""
    if "rollups" in paths and sql_rollups.answers(group_by, filters):
        return "rollups"
    if "cube" in paths and sql_cube.cube_plan(group_by, filters) is not None:
        return "cube"
    if "agent rows" in paths and sql_cube.agent_plan(group_by, filters) is not None:
        return "agent rows"
    return "raw"


def estimated(group_by: GroupBy, filters: ReportFilters) -> bool:
    """Whether the median time to first action is an estimate (rollups.median_estimate)."""
    return source(group_by, filters) != "raw"


def report(
    tx: SqlTx,
    group_by: GroupBy,
    filters: ReportFilters,
    queues: frozenset[str] | None,
    paths: Collection[str] = PATHS,
) -> list[ReportRow]:
    path = source(group_by, filters, paths)
    if sql_reports.is_postgres(tx):
        # JIT compiling a report's eighty-odd sums takes 100-250 ms, more than the
        # report itself on any path (this transaction only).
        tx.execute("SET LOCAL jit = off")
    rows = None
    if path == "rollups":
        rows = sql_rollups.rollup_report(tx, group_by, filters, queues)
    elif path != "raw":
        rows = sql_cube.cube_report(tx, group_by, filters, queues)
    if rows is None:
        rows = sql_reports.report_rows(tx, group_by, sql_reports.where(tx, filters, queues))
    return rows
