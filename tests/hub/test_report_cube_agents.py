"""The cube's agent rows by channel and by week (migration 7) against the raw path.

The seeded set of test_report_rollups on both backends: reports by agent or filtered
by agents, with channel filters (agent_channel_month and agent_channel_week rows),
grouped by week (whole weeks' agent rows), and with most of a week read as its row
less the facts of its other days, must give the raw path's figures; migration 7
fills the new rows of the ratings stored before.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from test_report_cube import DIMS, _at, _cube_rows, _ranges, _raw, random_shape
from test_report_rollups import BACKENDS, CHANNELS, _facts, _seed, assert_same

from cxsidebar.core import GroupBy, ReportFilters
from cxsidebar.hub import cube, open_storage, report_paths, sql_cube, sql_reports
from cxsidebar.hub.rating_schema import SQLITE_DDL
from cxsidebar.hub.sql_cube import CubePlan
from cxsidebar.hub.sql_storage import SqlStorage


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStorage]:
    if request.param == "sqlite":
        yield from _seed(f"sqlite:///{tmp_path_factory.mktemp('agents') / 'hub.sqlite3'}")
        return
    with request.getfixturevalue("postgres").fresh() as url:
        yield from _seed(url)


@pytest.fixture
def seeded_alone(db_url: str) -> Iterator[SqlStorage]:
    yield from _seed(db_url)


def random_agent_shape(rng: random.Random) -> tuple[GroupBy, ReportFilters, frozenset[str] | None]:
    """A shape the agent rows answer: by agent or week, or filtered by agents, mostly
    with a channel filter (the agent_channel rows) and another filter."""
    group_by, filters, queues = random_shape(rng)
    group_by = rng.choice([GroupBy.AGENT, GroupBy.AGENT, GroupBy.WEEK, group_by])
    update: dict[str, Any] = {}
    if rng.random() < 0.8:
        update["channel"] = rng.sample(CHANNELS, rng.choice([1, 2]))
    if group_by is not GroupBy.AGENT or rng.random() < 0.3:
        update["agent"] = rng.sample(DIMS["agent"], rng.choice([1, 3, 6]))
    return group_by, filters.model_copy(update=update), queues


def test_random_shapes_on_the_agent_rows_equal_the_raw_path(seeded):
    rng = random.Random(23)
    grains: Counter[tuple[str, ...]] = Counter()
    for _ in range(150):
        group_by, filters, queues = random_agent_shape(rng)
        path = report_paths.source(group_by, filters)
        served = seeded.context_report(group_by, filters, queues)
        raw = _raw(seeded, group_by, filters, queues)
        if path == "raw":
            assert served == raw
            continue
        assert_same(served, raw, (path, group_by, filters, queues))
        if path == "agent rows":
            by_week = "week" if group_by is GroupBy.WEEK else ""
            grains[(by_week, *sql_cube.agent_grains(filters))] += 1
            parts = sql_cube.agent_plan(group_by, filters)
            grains[("less facts",)] += bool(parts and parts.minus)
    assert grains[("less facts",)] >= 20, grains  # week rows less some of their days
    assert grains[("", *cube.AGENT_CHANNEL_GRAINS)] >= 30, grains
    assert grains[("week", *cube.AGENT_CHANNEL_GRAINS)] >= 5, grains
    assert grains[("week", *cube.AGENT_GRAINS)] >= 3, grains


def test_migration_7_fills_the_agent_channel_rows_of_the_ratings_stored_before(
    db_url, seeded_alone
):
    """A database of the previous hub (schema 6) with ratings: migration 7 adds the
    rows split by channel, equal to those kept at ingestion, and the wider index."""
    kept = _cube_rows(seeded_alone)
    (narrow,) = [line for line in SQLITE_DDL.splitlines() if "rating_facts_by_agent ON" in line]
    with seeded_alone._engine.writing() as tx:
        tx.execute("DELETE FROM rating_cube WHERE grain IN (?, ?)", list(cube.AGENT_CHANNEL_GRAINS))
        postgres = sql_reports.is_postgres(tx)
        if postgres:
            tx.execute("DELETE FROM schema_migrations WHERE version = 7")
        else:
            tx.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_agent_channel_cube'")
            tx.execute("DROP INDEX rating_facts_by_agent")
            tx.execute(narrow)
    assert len(_cube_rows(seeded_alone)) < len(kept)
    migrated = open_storage(db_url)
    try:
        assert isinstance(migrated, SqlStorage)
        assert _cube_rows(migrated) == kept
        if not postgres:
            (index,) = _facts(
                migrated, "SELECT sql FROM sqlite_master WHERE name = 'rating_facts_by_agent'"
            )
            assert "summariser, channel" in index["sql"]
        filters = ReportFilters(channel=["chat"], summariser=["llm", "none"])
        assert report_paths.source(GroupBy.AGENT, filters) == "agent rows"
        assert_same(
            migrated.context_report(GroupBy.AGENT, filters, None),
            _raw(migrated, GroupBy.AGENT, filters, None),
            "after migration 7",
        )
    finally:
        migrated.close()


@pytest.mark.parametrize(
    ("filters", "grains"),
    [
        ({"agent": ["a"], "flow": ["f"]}, cube.AGENT_GRAINS),
        ({"agent": ["a"], "flow": ["f"], "channel": ["chat"]}, cube.AGENT_CHANNEL_GRAINS),
        ({"summariser": ["llm"], "channel": ["chat", "voice"]}, cube.AGENT_CHANNEL_GRAINS),
    ],
)
def test_only_a_channel_filter_reads_the_agent_rows_split_by_channel(filters, grains):
    assert sql_cube.agent_grains(ReportFilters(**filters)) == grains


@pytest.mark.parametrize(
    ("since", "until", "plan"),
    [
        (None, None, CubePlan(None, ((None, None),), (), ())),
        (
            "2026-08-20T09:00:00+00:00",  # a Thursday
            "2026-10-13T16:00:00+00:00",  # a Tuesday
            CubePlan(
                None,
                (("2026-08-24", "2026-10-12"),),
                (),
                _ranges(
                    ("2026-08-20T09:00:00+00:00", "2026-08-24T00:00:00+00:00"),
                    ("2026-10-12T00:00:00+00:00", "2026-10-13T16:00:00+00:00"),
                ),
            ),
        ),
        (
            "2026-08-24T00:00:00+02:00",  # Sunday 22:00 UTC
            None,
            CubePlan(
                None,
                (("2026-08-24", None),),
                (),
                _ranges(("2026-08-23T22:00:00+00:00", "2026-08-24T00:00:00+00:00")),
            ),
        ),
        (None, "2026-08-31T00:00:00+00:00", CubePlan(None, ((None, "2026-08-31"),), (), ())),
        (
            "2026-09-14T10:00:00+00:00",  # most of a week: its row, less its first 10 hours
            "2026-10-19T00:00:00+00:00",
            CubePlan(
                None,
                (("2026-09-21", "2026-10-19"), ("2026-09-14", "2026-09-21")),
                (),
                (),
                _ranges(("2026-09-14T00:00:00+00:00", "2026-09-14T10:00:00+00:00")),
            ),
        ),
        ("2026-09-10T00:00:00+00:00", "2026-09-15T00:00:00+00:00", None),  # no whole week
        ("2026-09-14T00:00:00+00:00", "2026-09-14T00:00:00+00:00", None),
        ("9999-12-29T00:00:00+00:00", None, None),  # the next Monday is past the end
    ],
)
def test_how_the_agent_rows_split_a_range_by_week(since, until, plan):
    filters = ReportFilters(
        agent=["a"],
        since=None if since is None else _at(since),
        until=None if until is None else _at(until),
    )
    assert sql_cube.agent_plan(GroupBy.WEEK, filters) == plan
    assert sql_cube.agent_plan(GroupBy.DAY, filters) is None
