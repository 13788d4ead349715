"""Group commit in PostgreSQL pipeline mode: a batch's writes are only sent, its reads
wait for them, and a failed statement rolls back the whole batch and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from cxsidebar.core import EventType
from cxsidebar.hub.group_commit import GroupCommit, Pipelining, each
from cxsidebar.hub.postgres import PostgresEngine, PostgresTx
from cxsidebar.hub.sql_tx import SqlTx

pytestmark = pytest.mark.postgresql


@pytest.fixture
def engine(pg_url: str) -> Iterator[PostgresEngine]:
    engine = PostgresEngine(pg_url)
    yield engine
    engine.close()


def add_and_read_back(tx: SqlTx, item: str) -> tuple[int, str, int]:
    """Add an event, then read it back in the same transaction (a read after a write)."""
    assert isinstance(tx, PostgresTx)
    mode = int(tx.conn.pgconn.pipeline_status)
    if item.startswith("fail"):
        tx.one("SELECT 1 / 0 AS boom")
    event_id = tx.insert_event(EventType.CREATED, "billing", item, "{}")
    row = tx.one("SELECT escalation_id FROM events WHERE id = ?", [event_id])
    assert row is not None
    return event_id, str(row["escalation_id"]), mode


def stored(engine: PostgresEngine) -> list[dict[str, Any]]:
    with engine.connection() as tx:
        return tx.rows("SELECT id, escalation_id FROM events ORDER BY id")


def test_a_postgres_transaction_pipelines(engine: PostgresEngine) -> None:
    with engine.writing() as tx:
        assert isinstance(tx, Pipelining)


def test_batches_run_in_pipeline_mode_and_read_their_own_writes(engine: PostgresEngine) -> None:
    commit: GroupCommit[str, tuple[int, str, int]] = GroupCommit(
        engine, each(add_and_read_back), pipelined=True
    )
    items = [f"esc-{n}" for n in range(30)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(commit.submit, items))
    assert [name for _, name, _ in answers] == items
    assert all(mode != 0 for _, _, mode in answers)  # pipeline mode was on
    assert len({event_id for event_id, _, _ in answers}) == len(items)
    rows = stored(engine)
    assert sorted(row["escalation_id"] for row in rows) == sorted(items)
    assert {row["id"] for row in rows} == {event_id for event_id, _, _ in answers}


def test_without_pipelined_the_batch_waits_for_each_statement(engine: PostgresEngine) -> None:
    commit: GroupCommit[str, tuple[int, str, int]] = GroupCommit(engine, each(add_and_read_back))
    assert commit.submit("plain")[2] == 0


def test_a_failed_statement_fails_its_whole_batch_only(engine: PostgresEngine) -> None:
    commit: GroupCommit[str, tuple[int, str, int]] = GroupCommit(
        engine, each(add_and_read_back), pipelined=True
    )
    items = [f"esc-{n}" for n in range(20)] + ["fail-1"]

    def submit(item: str) -> tuple[int, str, int] | BaseException:
        try:
            return commit.submit(item)
        except psycopg.Error as error:
            return error

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = dict(zip(items, pool.map(submit, items), strict=True))
    assert isinstance(answers["fail-1"], psycopg.errors.DivisionByZero)
    kept = {row["escalation_id"] for row in stored(engine)}
    succeeded = {item for item, answer in answers.items() if isinstance(answer, tuple)}
    assert kept == succeeded  # the failed batch left nothing behind
    assert "fail-1" not in kept
    # The engine is usable afterwards: the failed connection went back clean.
    assert commit.submit("after")[1] == "after"
