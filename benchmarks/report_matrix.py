"""Every context-quality report shape over a large rating set, on SQLite and PostgreSQL.

`python -m benchmarks report-matrix [--ratings N] [--sqlite PATH] [--pg-url URL]
[--no-postgres] [--only TEXT]` times, through the hub's storage (what the endpoint
runs), every grouping (7) x every subset of the filters {flow, reason, agent,
summariser} (16; one value each, and three values each) x two time ranges
(everything; 2026-01-17T10:00Z..2026-06-09T15:00Z, ragged at both ends), plus a
queue-scoped variant, and 1 / 5 / 20 agents alone or with one more filter (flow,
reason or summariser) over both ranges; then all of that again with one channel and
with two channels: 2,142 shapes (`--before`: only the paths there were before the
cube, to compare on the same set). Per shape it prints the path
(`report_paths.source`: one-dimension rollups, cube rows, agent rows or raw) and
the time (best of two when the first took under a second), then the worst ten, the
count over the 300 ms goal and the sizes of the rollup tables.

`--sqlite PATH` / `--pg-url URL` keep the set between runs: a database that has
ratings already is used as it is (migrated to the current schema on open), an empty
one gets N generated ratings. Without them the set is generated in a temporary
directory / a throwaway PostgreSQL server (as `python -m benchmarks reports` does).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.reports import GOAL_MS, postgres_url
from cxsidebar.core import GroupBy, ReasonKind, ReportFilters
from cxsidebar.hub import report_paths, sql_reports
from cxsidebar.hub.rating_facts import REASON_BITS, values_of
from cxsidebar.hub.rating_generator import Shape, generate_ratings
from cxsidebar.hub.sql_storage import SqlStorage
from cxsidebar.hub.storage import open_storage

RAGGED = (datetime(2026, 1, 17, 10, tzinfo=UTC), datetime(2026, 6, 9, 15, tzinfo=UTC))
FLOWS = ["flow-2-1", "flow-4-0", "flow-8-3"]
AGENTS = ["Agent 42", "Agent 85", "Agent 170"]  # one in the queue of each flow above
SUMMARISERS = ["llm", "extractive", "none"]
CHANNELS = ["chat", "voice"]
QUEUE = "queue-2"
_ROLLUP_TABLES = ("rating_rollups", "rating_cube", "rating_facts")


@dataclass(frozen=True)
class Case:
    name: str
    group_by: GroupBy
    filters: ReportFilters
    queues: frozenset[str] | None = None


@dataclass(frozen=True)
class Timed:
    case: Case
    path: str
    ms: float
    rows: int


def _reasons(storage: SqlStorage) -> list[ReasonKind]:
    """Three reason kinds of the chosen flows (the first one's first)."""
    with storage._engine.reading() as tx:
        masks = {
            str(row["flow"]): int(row["reason_mask"])
            for row in tx.rows(
                "SELECT DISTINCT flow, reason_mask FROM rating_facts WHERE flow IN (?, ?, ?)",
                FLOWS,
            )
        }
    kinds: list[ReasonKind] = []
    for flow in FLOWS:
        for kind in values_of(masks.get(flow, 0), REASON_BITS):
            if kind not in kinds:
                kinds.append(kind)
    kinds += [kind for kind in REASON_BITS if kind not in kinds]
    return kinds[:3]


def cases(reasons: list[ReasonKind]) -> Iterator[Case]:
    """Every shape of `_shapes`, then each again with one channel and with two."""
    for channels in ([], CHANNELS[:1], CHANNELS):
        extra = f"+channelx{len(channels)}" if channels else ""
        for group_by, label, range_name, filters, queues in _shapes(reasons):
            yield Case(
                f"{group_by.value:<10} {label + extra:<44} {range_name:<6}",
                group_by,
                filters.model_copy(update={"channel": channels}),
                queues,
            )


ShapeSpec = tuple[GroupBy, str, str, ReportFilters, frozenset[str] | None]


def _shapes(reasons: list[ReasonKind]) -> Iterator[ShapeSpec]:
    """Per grouping: every subset of the filters (one value each and three values
    each) over both ranges, queue-scoped, and 1 / 5 / 20 agents alone or with one
    further filter over both ranges."""
    values: dict[str, list[str]] = {
        "flow": FLOWS,
        "reason": [kind.value for kind in reasons],
        "agent": AGENTS,
        "summariser": SUMMARISERS,
    }
    subsets = [combo for size in range(5) for combo in itertools.combinations(list(values), size)]
    ranges = {"all": {}, "ragged": {"since": RAGGED[0], "until": RAGGED[1]}}
    for group_by in GroupBy:
        for combo in subsets:
            for width in (1, 3) if combo else (1,):
                for range_name, bounds in ranges.items():
                    chosen = {name: values[name][:width] for name in combo}
                    label = "+".join(f"{n}x{width}" for n in combo) or "-"
                    yield group_by, label, range_name, ReportFilters(**chosen, **bounds), None
            chosen = {name: values[name][:1] for name in combo}
            label = "+".join(combo) or "-"
            filters = ReportFilters(queue=[QUEUE], **chosen)
            yield group_by, f"{label} (queue-scoped)", "all", filters, frozenset({QUEUE})
        for count in (1, 5, 20):
            agents = [f"Agent {n}" for n in range(0, 200, 200 // count)][:count]
            for further in ("", "flow", "reason", "summariser"):
                chosen = {further: values[further][:1]} if further else {}
                label = f"{count} agents" + (f"+{further}x1" if further else "")
                for range_name, bounds in ranges.items():
                    filters = ReportFilters(agent=agents, **chosen, **bounds)
                    yield group_by, label, range_name, filters, None


def _once(storage: SqlStorage, case: Case, paths: tuple[str, ...]) -> tuple[float, int]:
    started = time.perf_counter()
    with storage._engine.reading() as tx:  # what SqlStorage.context_report runs
        rows = report_paths.report(tx, case.group_by, case.filters, case.queues, paths)
    return (time.perf_counter() - started) * 1000, len(rows)


def time_case(storage: SqlStorage, case: Case, paths: tuple[str, ...]) -> Timed:
    ms, rows = _once(storage, case, paths)
    if ms < 1000:  # best of two when cheap
        ms = min(ms, _once(storage, case, paths)[0])
    return Timed(case, report_paths.source(case.group_by, case.filters, paths), ms, rows)


def sizes(storage: SqlStorage) -> dict[str, int]:
    """Bytes per table (with its indexes) that exists."""
    out: dict[str, int] = {}
    with storage._engine.reading() as tx:
        postgres = sql_reports.is_postgres(tx)
        for table in _ROLLUP_TABLES:
            if postgres:
                row = tx.one("SELECT pg_total_relation_size(to_regclass(?)) AS size", [table])
            else:
                row = tx.one(
                    "SELECT SUM(pgsize) AS size FROM dbstat WHERE name = ? OR name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = ? AND type = 'index')",
                    [table, table],
                )
            if row is not None and row["size"] is not None:
                out[table] = int(row["size"])
    return out


def run(backend: str, url: str, count: int, only: str | None, paths: tuple[str, ...]) -> int:
    storage = open_storage(url)
    assert isinstance(storage, SqlStorage)
    with storage._engine.reading() as tx:
        have = tx.one("SELECT COUNT(*) AS n FROM rating_facts")
    if have is None or not int(have["n"]):
        storage.close()
        print(f"\n{backend}: generating {count:,} ratings ...", flush=True)
        done = generate_ratings(url, Shape(count=count))
        print(f"  {done.ratings:,} ratings in {done.seconds:.0f} s", flush=True)
        storage = open_storage(url)
        assert isinstance(storage, SqlStorage)
    try:
        with storage._engine.reading() as tx:
            have = tx.one("SELECT COUNT(*) AS n FROM rating_facts")
        print(f"\n{backend}, {int(have['n']) if have else 0:,} facts", flush=True)
        timed: list[Timed] = []
        for case in cases(_reasons(storage)):
            if only and only not in case.name:
                continue
            result = time_case(storage, case, paths)
            timed.append(result)
            flag = "" if result.ms <= GOAL_MS else "  OVER"
            print(
                f"  {case.name}  {result.path:<12} {result.ms:>7.0f} ms"
                f" {result.rows:>5} rows{flag}",
                flush=True,
            )
        return summary(backend, timed, sizes(storage))
    finally:
        storage.close()


def summary(backend: str, timed: list[Timed], table_sizes: dict[str, int]) -> int:
    worst = sorted(timed, key=lambda t: -t.ms)[:10]
    over = [t for t in timed if t.ms > GOAL_MS]
    print(f"\n{backend}: the worst 10 of {len(timed)} shapes")
    for t in worst:
        print(f"  {t.case.name}  {t.path:<12} {t.ms:>7.0f} ms")
    paths = sorted({t.path for t in timed})
    by_path = ", ".join(f"{p}: {sum(t.path == p for t in timed)}" for p in paths)
    print(f"{backend}: {len(over)} of {len(timed)} shapes over {GOAL_MS:.0f} ms ({by_path})")
    for path in paths:
        slow = [t for t in over if t.path == path]
        if slow:
            print(f"{backend}: over {GOAL_MS:.0f} ms on the {path} path: {len(slow)}")
    for table, size in table_sizes.items():
        print(f"{backend}: {table} {size / 2**20:,.1f} MiB")
    return len(over)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks report-matrix", description=__doc__)
    parser.add_argument("--ratings", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--sqlite", type=Path, metavar="PATH", help="keep the SQLite set here")
    parser.add_argument("--pg-url", metavar="URL", help="keep the PostgreSQL set here")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--only", metavar="TEXT", help="only the shapes whose name has TEXT")
    parser.add_argument(
        "--before", action="store_true", help="as before the cube: the rollups, else raw"
    )
    args = parser.parse_args(argv)
    paths = ("rollups", "raw") if args.before else report_paths.PATHS
    with tempfile.TemporaryDirectory(prefix="cxsidebar-matrix-") as tmp, ExitStack() as stack:
        if not args.no_sqlite:
            path = args.sqlite or Path(tmp) / "hub.sqlite3"
            run("SQLite", f"sqlite:///{path}", args.ratings, args.only, paths)
        url = None if args.no_postgres else (args.pg_url or postgres_url(stack))
        if url is not None:
            run("PostgreSQL", url, args.ratings, args.only, paths)
    return 0
