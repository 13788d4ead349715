"""Context-quality reports over a large synthetic rating set, on SQLite and PostgreSQL.

`python -m benchmarks reports [--ratings N] [--repeat R] [--no-postgres]`: generates N
ratings (default 1,000,000) with `cxsidebar-hub generate-ratings`, then times every
grouping over all ratings and a few filtered reports, through the hub's storage (the
SQL the endpoint runs). Goal (issue 6): each report in at most 300 ms.
PostgreSQL comes from CXSIDEBAR_BENCH_PG_URL or a throwaway server started the way
the tests start one; without either it is skipped with the reason.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from cxsidebar.core import GroupBy, ReasonKind, ReportFilters
from cxsidebar.hub.rating_generator import Shape, generate_ratings
from cxsidebar.hub.storage import HubStorage, open_storage

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
]


def time_reports(storage: HubStorage, repeat: int) -> list[tuple[str, float, float, int]]:
    """(case, median ms, worst ms, rows) per case."""
    results = []
    for name, group_by, filters in CASES:
        queues = frozenset(filters.queue) or None  # as the route passes them
        storage.context_report(group_by, filters, queues)  # warm the page cache once
        took = []
        rows = 0
        for _ in range(repeat):
            started = time.perf_counter()
            rows = len(storage.context_report(group_by, filters, queues))
            took.append((time.perf_counter() - started) * 1000)
        results.append((name, statistics.median(took), max(took), rows))
    return results


def report(backend: str, count: int, results: list[tuple[str, float, float, int]]) -> bool:
    print(f"\n{backend}, {count:,} ratings (goal: each report <= {GOAL_MS:.0f} ms)")
    print(f"  {'report':<36} {'median':>9} {'worst':>9} {'rows':>6}  goal")
    met = True
    for name, median, worst, rows in results:
        ok = median <= GOAL_MS
        met &= ok
        verdict = "ok" if ok else f"OVER by {median / GOAL_MS:.1f}x"
        print(f"  {name:<36} {median:>7.0f}ms {worst:>7.0f}ms {rows:>6}  {verdict}")
    return met


def run(backend: str, url: str, count: int, repeat: int) -> bool:
    print(f"\n{backend}: generating {count:,} ratings ...", flush=True)
    done = generate_ratings(url, Shape(count=count))
    print(f"  {done.ratings:,} ratings of {done.escalations:,} escalations in {done.seconds:.0f} s")
    storage = open_storage(url)
    try:
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
