"""Context-quality reports over a large synthetic rating set, on SQLite and PostgreSQL.

`python -m benchmarks reports [--ratings N] [--repeat R] [--no-postgres]`: generates N
ratings (default 1,000,000) with `cxsidebar-hub generate-ratings`, then times every
grouping over all ratings and a few filtered reports, through the hub's storage (what
the endpoint runs: the rollups or the cube when they answer, else the raw SQL over
the facts; the `path` column says which; `python -m benchmarks report-matrix` times
every shape). For the reports over all ratings it also times
the raw SQL, to compare. Goal (issue 6): each report in at most 300 ms.
PostgreSQL comes from CXSIDEBAR_BENCH_PG_URL or a throwaway server started the way
the tests start one; without either it is skipped with the reason.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cxsidebar.core import GroupBy, ReasonKind, ReportFilters, ReportRow
from cxsidebar.hub import report_paths, sql_reports
from cxsidebar.hub.rating_generator import Shape, generate_ratings
from cxsidebar.hub.sql_storage import SqlStorage
from cxsidebar.hub.storage import open_storage

GOAL_MS = 300.0
# (name, group_by, filters): every grouping over everything, then filtered ones.
CASES: list[tuple[str, GroupBy, ReportFilters]] = [
    *((f"by {g.value}", g, ReportFilters()) for g in GroupBy),
    (
        "by flow, one queue, last 90 days",
        GroupBy.FLOW,
        ReportFilters(queue=["queue-3"], since=datetime(2026, 8, 3, tzinfo=UTC)),
    ),
    (
        "by week, chat + keyword reason",
        GroupBy.WEEK,
        ReportFilters(channel=["chat"], reason=[ReasonKind.KEYWORD]),
    ),
    (
        "by day, one agent",
        GroupBy.DAY,
        ReportFilters(agent=["Agent 42"]),
    ),
    (
        "by summariser, one month",
        GroupBy.SUMMARISER,
        ReportFilters(
            since=datetime(2026, 9, 1, tzinfo=UTC), until=datetime(2026, 10, 1, tzinfo=UTC)
        ),
    ),
    (
        "by agent, from mid-day Jun 15",  # months + days + a partial day from the facts
        GroupBy.AGENT,
        ReportFilters(since=datetime(2026, 6, 15, 10, 30, tzinfo=UTC)),
    ),
    (
        "by week, one flow + one agent",  # an agent filter by week: the raw path
        GroupBy.WEEK,
        ReportFilters(flow=["flow-4-1"], agent=["Agent 85"]),
    ),
]


@dataclass(frozen=True)
class Timing:
    case: str
    path: str  # report_paths.PATHS
    median_ms: float
    worst_ms: float
    rows: int
    served: bool = True  # False: the raw SQL timed only to compare

    @property
    def met(self) -> bool:
        return self.median_ms <= GOAL_MS


def _time(run: Callable[[], list[ReportRow]], repeat: int) -> tuple[float, float, int]:
    run()  # warm the page cache once
    took = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(run())
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took), max(took), rows


def _raw(storage: SqlStorage, group_by: GroupBy, filters: ReportFilters) -> list[ReportRow]:
    with storage._engine.reading() as tx:  # the raw SQL, whatever the filters
        return sql_reports.report_rows(tx, group_by, sql_reports.where(tx, filters, None))


def time_reports(storage: SqlStorage, repeat: int) -> list[Timing]:
    """Each case as the endpoint serves it, and the raw SQL of the unfiltered ones."""
    results = []
    for name, group_by, filters in CASES:
        queues = frozenset(filters.queue) or None  # as the route passes them
        path = report_paths.source(group_by, filters)
        served = functools.partial(storage.context_report, group_by, filters, queues)
        results.append(Timing(name, path, *_time(served, repeat)))
        if filters == ReportFilters():
            timed = _time(functools.partial(_raw, storage, group_by, ReportFilters()), repeat)
            results.append(Timing(name, "raw", *timed, served=False))
    return results


def report(backend: str, count: int, results: list[Timing]) -> bool:
    print(f"\n{backend}, {count:,} ratings (goal: each report <= {GOAL_MS:.0f} ms)")
    print(f"  {'report':<34} {'path':<10} {'median':>9} {'worst':>9} {'rows':>6}  goal")
    met = True
    for t in results:
        if t.served:
            met &= t.met
            verdict = "goal met" if t.met else f"goal MISSED ({t.median_ms / GOAL_MS:.1f}x)"
        else:
            verdict = "(raw SQL, to compare; not served)"
        print(
            f"  {t.case:<34} {t.path:<10} {t.median_ms:>7.0f}ms {t.worst_ms:>7.0f}ms "
            f"{t.rows:>6}  {verdict}"
        )
    return met


def run(backend: str, url: str, count: int, repeat: int) -> bool:
    print(f"\n{backend}: generating {count:,} ratings ...", flush=True)
    done = generate_ratings(url, Shape(count=count))
    print(
        f"  {done.ratings:,} ratings of {done.escalations:,} escalations in {done.seconds:.0f} s"
        " (with the rollups rebuilt from the facts)"
    )
    storage = open_storage(url)
    try:
        assert isinstance(storage, SqlStorage)
        return report(backend, count, time_reports(storage, repeat))
    finally:
        storage.close()


def postgres_url(stack: ExitStack) -> str | None:
    """A fresh database: CXSIDEBAR_BENCH_PG_URL, or a throwaway server (tests/support)."""
    if os.environ.get("CXSIDEBAR_BENCH_PG_URL"):
        return os.environ["CXSIDEBAR_BENCH_PG_URL"]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    try:
        from support.postgres import (  # type: ignore[import-not-found]
            PostgresUnavailable,
            postgres_databases,
        )
    except ImportError as error:
        print(f"\nPostgreSQL skipped: the test support is not here ({error})")
        return None
    try:
        databases = stack.enter_context(postgres_databases())
    except PostgresUnavailable as error:
        print(f"\nPostgreSQL skipped: {error}")
        return None
    return str(stack.enter_context(databases.fresh()))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reports", description=__doc__)
    parser.add_argument("--ratings", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--repeat", type=int, default=5, metavar="R")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    met = True
    with tempfile.TemporaryDirectory(prefix="cxsidebar-reports-") as tmp, ExitStack() as stack:
        met &= run("SQLite", f"sqlite:///{Path(tmp) / 'hub.sqlite3'}", args.ratings, args.repeat)
        url = None if args.no_postgres else postgres_url(stack)
        if url is not None:
            met &= run("PostgreSQL", url, args.ratings, args.repeat)
    print(f"\nreports: {'every report met' if met else 'NOT every report met'} the goal")
    return 0
