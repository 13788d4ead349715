"""Reports on the SQL storage: `SqlStorage` inherits `ReportStorage` (both backends).

The aggregation is in sql_rollups.py (over the rollups, migration 5), sql_cube.py
(over the cube, migration 6) or sql_reports.py (over the facts), chosen by
report_paths.py; the rating list and drill-down in sql_rating_list.py; the tables
come from migrations 3, 5 and 6 (rating_schema.py, rollup_schema.py, cube_schema.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cxsidebar.core import (
    EscalationContext,
    GroupBy,
    RatedContext,
    RatingPage,
    ReportFilters,
    ReportRow,
)
from cxsidebar.hub import report_paths, sql_rating_list, sql_reports
from cxsidebar.hub.sql_rating_list import Cursor
from cxsidebar.hub.sql_tx import SqlEngine


class ReportStorage:
    """Context-quality reports, rating lists and context snapshots."""

    _engine: SqlEngine

    def record_context(self, context: EscalationContext) -> EscalationContext:
        return sql_rating_list.record_context(self._engine, context, datetime.now(UTC))

    def context_report(
        self, group_by: GroupBy, filters: ReportFilters, queues: frozenset[str] | None
    ) -> list[ReportRow]:
        """From the rollups or the cube when they answer, else from the facts
        (report_paths.py)."""
        with self._engine.reading() as tx:
            return report_paths.report(tx, group_by, filters, queues)

    def median_estimated(self, group_by: GroupBy, filters: ReportFilters) -> bool:
        return report_paths.estimated(group_by, filters)

    def rating_page(
        self,
        filters: ReportFilters,
        queues: frozenset[str] | None,
        *,
        cursor: Cursor | None = None,
        limit: int = 100,
        include_superseded: bool = False,
    ) -> RatingPage:
        with self._engine.connection() as tx:
            clause = sql_reports.where(tx, filters, queues, include_superseded=include_superseded)
            return sql_rating_list.rating_page(tx, clause, cursor, limit)

    def rated_context(
        self, rating_id: uuid.UUID, queues: frozenset[str] | None
    ) -> RatedContext | None:
        return sql_rating_list.rated_context(self._engine, rating_id, queues)
