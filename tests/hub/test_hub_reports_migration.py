"""Migration 3 on a database made by the previous hub (schema 2) with ratings in it:
facts are backfilled, the newest rating per (escalation, agent) is the current one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlite_utils import Database
from support.hub import escalation_body

from cxsidebar.core import Escalation, GroupBy, Rating, RatingBatch, ReportFilters, Summary
from cxsidebar.hub import open_storage, postgres_schema, report_paths, sql_reports
from cxsidebar.hub.rollups import MAX_RELATIVE_ERROR
from cxsidebar.hub.sqlite_pool import utc_text
from cxsidebar.hub.sqlite_schema import migrations

pytestmark = pytest.mark.anyio

Execute = Callable[[str, list[Any]], None]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def rating(escalation_id: str, hour: int, overall: int, **fields: Any) -> Rating:
    return Rating(
        escalation_id=escalation_id,
        created_at=T0.replace(hour=hour),
        overall=overall,
        **fields,
    )


OLD = [  # (agent, rating) as a schema-2 hub stored them: no supersedes, duplicates per agent
    ("Alice", rating("esc-1", 9, 2, summary_version=1)),
    ("Alice", rating("esc-1", 11, 5, summary_version=1, first_action_ms=900)),
    ("Bob", rating("esc-1", 10, 3, customer_repeated=True)),
    ("Bob", rating("esc-2", 12, 4, problems=["missing"])),
]


def fill_v2(execute: Execute, stamp: Callable[[datetime], Any]) -> None:
    """Rows as the schema-2 hub wrote them."""
    for n, (esc_id, flow) in enumerate((("esc-1", "refund"), ("esc-2", "router")), start=1):
        body = Escalation.model_validate(
            escalation_body(esc_id, bot={"platform": "p", "flow": flow})
        )
        text = body.model_dump_json()
        execute(
            "INSERT INTO escalations (id, queue, channel, customer_id, status, body, body_hash, "
            "item, created_event_id, created_at, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [esc_id, "billing", "chat", "cust-1", "open", text, "h", "{}", n, stamp(T0), stamp(T0)],
        )
    summary = Summary(kind="llm", text="s").model_dump_json()
    execute(
        "INSERT INTO summary_versions (escalation_id, version, summary, created_at) "
        "VALUES (?, ?, ?, ?)",
        ["esc-1", 1, summary, stamp(T0)],
    )
    for agent, r in OLD:
        execute(
            "INSERT INTO ratings (id, escalation_id, agent, body, body_hash, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [str(r.id), r.escalation_id, agent, r.model_dump_json(), "h", stamp(T0)],
        )


def make_v2(backend: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "sqlite":
        db = Database(db_url.removeprefix("sqlite:///"))
        migrations.apply(db, stop_before="m003_rating_facts")
        assert "rating_facts" not in db.table_names()
        fill_v2(lambda sql, params: db.execute(sql, params), utc_text)
        db.conn.commit()
        db.close()
        return
    monkeypatch.setattr(postgres_schema, "MIGRATIONS", postgres_schema.MIGRATIONS[:2])
    with psycopg.connect(db_url, autocommit=True) as conn:
        postgres_schema.migrate(conn)
        fill_v2(lambda sql, params: conn.execute(sql.replace("?", "%s"), params), lambda t: t)
    monkeypatch.undo()


def test_old_ratings_are_backfilled(backend, db_url, monkeypatch):
    make_v2(backend, db_url, monkeypatch)
    storage = open_storage(db_url)
    try:
        rows = storage.context_report(GroupBy.AGENT, ReportFilters(), None)
        by_agent = {row.key: row for row in rows}
        # Alice's newest rating (5) counts; her earlier one (2) is kept but not counted.
        assert by_agent["Alice"].ratings == 1
        assert by_agent["Alice"].distribution == [0, 0, 0, 0, 1]
        # From the rollups (migration 5 fills them from the facts): an estimate.
        assert by_agent["Alice"].median_first_action_ms == pytest.approx(
            900, rel=MAX_RELATIVE_ERROR
        )
        assert by_agent["Bob"].ratings == 2
        assert by_agent["Bob"].repeated_share == 0.5
        flows = storage.context_report(GroupBy.FLOW, ReportFilters(), None)
        assert {r.key: r.ratings for r in flows} == {"refund": 2, "router": 1}
        summarisers = storage.context_report(GroupBy.SUMMARISER, ReportFilters(), None)
        assert {r.key: r.ratings for r in summarisers} == {"llm": 1, "none": 2}
        # Combinations come from the cube (migration 6 fills it from the facts).
        with storage._engine.reading() as tx:
            for group_by, filters, path in (
                (GroupBy.FLOW, ReportFilters(summariser=["none"], flow=["refund"]), "cube"),
                (GroupBy.SUMMARISER, ReportFilters(agent=["Bob"]), "agent rows"),
            ):
                assert report_paths.source(group_by, filters) == path
                got = report_paths.report(tx, group_by, filters, None)
                raw = sql_reports.report_rows(tx, group_by, sql_reports.where(tx, filters, None))
                assert raw
                assert [(r.key, r.ratings, r.distribution) for r in got] == [
                    (r.key, r.ratings, r.distribution) for r in raw
                ]
        listed = storage.rating_page(ReportFilters(), None, include_superseded=True)
        assert sorted(str(i.rating.id) for i in listed.items) == sorted(str(r.id) for _, r in OLD)
        assert [i.current for i in listed.items].count(False) == 1
        # New ratings follow the new rules on the migrated data.
        superseded_id = str(OLD[0][1].id)
        edit = Rating(
            escalation_id="esc-1",
            created_at=T0.replace(hour=13),
            overall=1,
            supersedes=uuid.UUID(str(OLD[1][1].id)),
        )
        result = storage.save_ratings("Alice", RatingBatch(ratings=[edit]), None)
        assert result.results[0].status == "created"
        stale = edit.model_copy(update={"id": uuid.uuid4(), "supersedes": uuid.UUID(superseded_id)})
        result = storage.save_ratings("Alice", RatingBatch(ratings=[stale]), None)
        assert result.results[0].status == "rejected"
    finally:
        storage.close()
