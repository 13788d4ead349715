"""Database upkeep: `PRAGMA optimize` on the SQLite hub, periodically off the request
path (maintenance.OptimizeJob, started by the app) and when the storage closes."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from cxsidebar.core import GroupBy, ReportFilters
from cxsidebar.hub import HubSettings, create_app
from cxsidebar.hub.maintenance import OptimizeJob
from cxsidebar.hub.rating_generator import Shape, generate_ratings
from cxsidebar.hub.sqlite import SqliteStorage

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_the_job_runs_every_interval_until_closed_and_survives_failures():
    calls = 0
    third = threading.Event()

    def optimize() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            third.set()
        if calls == 1:
            raise sqlite3.OperationalError("database is locked")

    job = OptimizeJob(optimize, interval=0.01).start()
    try:
        assert third.wait(10), "the job kept running after a failure"
    finally:
        job.close()
    assert not job._thread.is_alive()  # so nothing runs after close
    assert job.runs >= 3


def test_the_job_does_not_run_at_start():
    ran = threading.Event()
    job = OptimizeJob(ran.set, interval=3600).start()
    job.close()
    assert not ran.is_set()


def test_an_interval_must_be_positive():
    with pytest.raises(ValueError, match="above 0"):
        OptimizeJob(lambda: None, interval=0)


def _stat_tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return set()
        return {row[0] for row in conn.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    finally:
        conn.close()


def test_optimize_analyses_what_reports_read_and_close_optimizes(tmp_path):
    path = tmp_path / "hub.sqlite3"
    storage = SqliteStorage(path)
    try:
        generate_ratings(f"sqlite:///{path}", Shape(count=300, days=20))
        with sqlite3.connect(path) as conn:  # forget the generator's full ANALYZE
            conn.execute("DROP TABLE sqlite_stat1")
        assert _stat_tables(path) == set()
        for group_by in GroupBy:
            storage.context_report(group_by, ReportFilters(), None)
        storage.optimize()
        assert "rating_rollups" in _stat_tables(path)
    finally:
        storage.close()
    storage.close()  # a second close is quiet


def test_optimize_takes_exact_statistics(tmp_path):
    """Sampled statistics (`analysis_limit`) misjudge how selective an index is, which
    sent reports to the wrong index of rating_facts; optimize counts every row."""
    path = tmp_path / "hub.sqlite3"
    storage = SqliteStorage(path)
    try:
        with sqlite3.connect(path) as conn:  # a table and index no statistics cover yet
            conn.execute("CREATE TABLE scratch (kind INTEGER, n INTEGER)")
            conn.execute("CREATE INDEX scratch_kind ON scratch (kind, n)")
            conn.executemany(
                "INSERT INTO scratch VALUES (?, ?)", [(i % 7, i) for i in range(20_000)]
            )
        # SQLite before 3.46 analyses only the tables its connection has read.
        with storage._engine._pool.writing() as db:  # type: ignore[attr-defined]
            db.execute("SELECT COUNT(*) FROM scratch WHERE kind = 3").fetchall()
        storage.optimize()
        with sqlite3.connect(path) as conn:
            (stat,) = conn.execute(
                "SELECT stat FROM sqlite_stat1 WHERE idx = 'scratch_kind'"
            ).fetchone()
        assert stat.split()[:2] == ["20000", "2858"]  # rows; rows per kind, exactly
    finally:
        storage.close()


async def test_the_app_runs_the_job_while_it_serves(tmp_path):
    storage = SqliteStorage(tmp_path / "hub.sqlite3")
    try:
        app = create_app(storage, HubSettings())
        async with app.router.lifespan_context(app):
            job = app.state.optimizer
            assert isinstance(job, OptimizeJob)
            assert job._thread.is_alive()
        assert not job._thread.is_alive()
    finally:
        storage.close()
