"""Pure parts of the reports: CSV neutralising, bit masks, cursors, context versions."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cxsidebar.core import (
    BotInfo,
    CustomerRef,
    Escalation,
    EscalationContext,
    EscalationStatus,
    GroupBy,
    Problem,
    Rating,
    RatingListItem,
    ReasonKind,
    Repeated,
)
from cxsidebar.hub import open_storage
from cxsidebar.hub.rating_csv import COLUMNS, csv_lines, neutralise
from cxsidebar.hub.rating_facts import (
    PROBLEM_BITS,
    REASON_BITS,
    REPEATED_BITS,
    day_and_week,
    mask_of,
    values_of,
)
from cxsidebar.hub.sql_rating_list import Cursor, CursorError, context_version
from cxsidebar.hub.sql_reports import SqliteMedian, Where, sqlite_sql


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain = text", "plain = text"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_formula_starts_are_neutralised(cell, shown):
    assert neutralise(cell) == shown


def test_a_csv_line_round_trips_through_a_reader():
    item = RatingListItem(
        rating=Rating(
            escalation_id="e1",
            created_at=datetime(2026, 11, 2, tzinfo=UTC),
            overall=3,
            comment='-1, "quoted"\nnext line',
            repeated=[Repeated.OTHER],
        ),
        agent="@agent",
        queue="q",
        channel="chat",
        flow="=flow",
        reasons=[ReasonKind.KEYWORD],
        summariser="none",
        received_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    header, *rows = csv.reader(io.StringIO("".join(csv_lines([item]))))
    assert tuple(header) == COLUMNS
    [row] = rows
    record = dict(zip(COLUMNS, row, strict=True))
    assert record["comment"] == '\'-1, "quoted"\nnext line'
    assert record["agent"] == "'@agent"
    assert record["flow"] == "'=flow"
    assert record["transcript"] == ""
    assert record["current"] == "true"
    assert record["repeated"] == "other"


@pytest.mark.parametrize(
    ("enum", "bits"),
    [(ReasonKind, REASON_BITS), (Repeated, REPEATED_BITS), (Problem, PROBLEM_BITS)],
)
def test_every_enum_value_has_its_own_bit(enum, bits):
    assert set(bits) == set(enum)
    assert sorted(bits.values()) == list(range(len(enum)))
    every = list(enum)
    assert values_of(mask_of(every, bits), bits) == sorted(every, key=bits.__getitem__)
    assert values_of(mask_of([], bits), bits) == []


def test_days_and_weeks_are_utc():
    assert day_and_week(datetime.fromisoformat("2026-11-29T23:30:00-02:00")) == (
        "2026-11-30",
        "2026-11-30",
    )
    assert day_and_week(datetime.fromisoformat("2026-11-29T12:00:00+00:00")) == (
        "2026-11-29",
        "2026-11-23",
    )


def test_a_cursor_round_trips_and_junk_is_refused():
    cursor = Cursor(datetime(2026, 11, 2, 10, tzinfo=UTC), "0b9f1f6e-8a4c-4f43-a8b8-5d7d8f5f2b11")
    assert Cursor.decode(cursor.encode()) == cursor
    tz = timezone(timedelta(hours=5))
    early = Cursor(datetime(1, 1, 1, tzinfo=tz), "0b9f1f6e-8a4c-4f43-a8b8-5d7d8f5f2b11")
    for junk in (
        "",
        "!!",
        "bm90IGpzb24",
        Cursor(datetime(2026, 1, 1), "x").encode(),
        early.encode(),
    ):
        with pytest.raises(CursorError):
            Cursor.decode(junk)


def test_the_context_version_ignores_status_and_summary():
    escalation = Escalation(
        id="e1",
        queue="q",
        channel="chat",
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
        bot=BotInfo(platform="p", flow="f"),
        customer=CustomerRef(id="c1"),
    )
    open_ = EscalationContext(escalation=escalation, status=EscalationStatus.OPEN)
    claimed = open_.model_copy(update={"status": EscalationStatus.CLAIMED, "claimed_by": "A"})
    assert context_version(open_) == context_version(claimed)
    assert len(context_version(open_)) == 64
    other = open_.model_copy(update={"escalation": escalation.model_copy(update={"queue": "r"})})
    assert context_version(other) != context_version(open_)


@pytest.mark.parametrize(
    "group_by", [GroupBy.DAY, GroupBy.WEEK, GroupBy.QUEUE, GroupBy.FLOW, GroupBy.AGENT]
)
def test_sqlite_reads_a_covering_index_in_group_order(tmp_path, group_by):
    """No sort of every rating and no table access: what keeps big reports fast."""
    open_storage(f"sqlite:///{tmp_path / 'hub.sqlite3'}").close()
    conn = sqlite3.connect(tmp_path / "hub.sqlite3")
    conn.create_aggregate("cx_median", 1, SqliteMedian)
    clause = Where("f.current = 1", [])
    plan = " | ".join(
        row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sqlite_sql(group_by, clause))
    )
    conn.close()
    assert f"COVERING INDEX rating_facts_by_{group_by.value}" in plan
    assert "TEMP B-TREE" not in plan
