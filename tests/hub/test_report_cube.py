"""The report cube (cube.py, sql_cube.py, report_paths.py) against the raw path.

The seeded set of test_report_rollups (a generated set, then new ratings, edits
and chains of edits through the hub's batch saving) on both backends: the cube
kept at ingestion must equal a rebuild from the facts, and random report shapes
(any grouping, any filters with several values, ragged ranges, queue-scoped
tokens) must give the raw path's figures whichever path answers them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_report_rollups import (
    BACKENDS,
    CHANNELS,
    END,
    QUEUES,
    SHAPE,
    START,
    _facts,
    _seed,
    assert_same,
)

from cxsidebar.core import GroupBy, ReasonKind, ReportFilters
from cxsidebar.hub import cube, report_paths, sql_cube, sql_reports
from cxsidebar.hub.cube_schema import REBUILD
from cxsidebar.hub.rating_facts import REASON_BITS, values_of
from cxsidebar.hub.sql_cube import CubePlan
from cxsidebar.hub.sql_storage import SqlStorage


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStorage]:
    if request.param == "sqlite":
        yield from _seed(f"sqlite:///{tmp_path_factory.mktemp('cube') / 'hub.sqlite3'}")
        return
    with request.getfixturevalue("postgres").fresh() as url:
        yield from _seed(url)


@pytest.fixture
def seeded_alone(db_url: str) -> Iterator[SqlStorage]:
    yield from _seed(db_url)


def _cube_rows(storage: SqlStorage) -> list[dict[str, Any]]:
    rows = _facts(
        storage,
        f"SELECT * FROM rating_cube WHERE n <> 0 ORDER BY {cube.CONFLICT}",  # noqa: S608
    )
    return [{k: (v if isinstance(v, str) else int(v)) for k, v in row.items()} for row in rows]


def test_the_cube_kept_at_ingestion_equals_a_rebuild_from_the_facts(seeded):
    kept = _cube_rows(seeded)
    assert {row["grain"] for row in kept} == set(cube.GRAINS)
    with seeded._engine.writing() as tx:
        for sql in REBUILD:
            tx.execute(sql)
    assert _cube_rows(seeded) == kept
    # Every grain holds every current rating once.
    ratings = _facts(seeded, "SELECT COUNT(*) AS n FROM rating_facts WHERE current = 1")
    for grain in cube.GRAINS:
        assert sum(row["n"] for row in kept if row["grain"] == grain) == ratings[0]["n"]


def _moment(rng: random.Random) -> datetime:
    day = START + timedelta(days=rng.randrange(-3, SHAPE.days + 3))
    kind = rng.random()
    if kind < 0.3:
        day = day.replace(day=1)  # month boundaries
    moment = datetime.combine(day, datetime.min.time(), UTC)
    if kind > 0.5:  # ragged
        moment += timedelta(seconds=rng.randrange(1, 86400))
    return moment


DIMS: dict[str, list[Any]] = {
    "flow": [f"flow-{q}-{f}" for q in range(SHAPE.queues) for f in range(2)],
    "agent": [f"Agent {n}" for n in range(SHAPE.agents)] + ["Tester 0", "Tester 2"],
    "summariser": ["llm", "extractive", "none"],
    "reason": list(ReasonKind),
    "channel": CHANNELS,
}


def random_shape(rng: random.Random) -> tuple[GroupBy, ReportFilters, frozenset[str] | None]:
    group_by = rng.choice(list(GroupBy))
    values: dict[str, Any] = {}
    if rng.random() < 0.7:
        since = _moment(rng)
        values["since"] = since
        if rng.random() < 0.7:
            values["until"] = since + timedelta(days=rng.randrange(0, 90), hours=rng.randrange(24))
    elif rng.random() < 0.5:
        values["until"] = _moment(rng)
    for name in rng.sample(list(DIMS), rng.choice([1, 2, 2, 3, 4])):
        values[name] = rng.sample(DIMS[name], rng.choice([1, 2, 3]))
    queues = rng.choice([None, None, frozenset(rng.sample(QUEUES, rng.randint(1, 2)))])
    return group_by, ReportFilters(**values), queues


def _raw(storage: SqlStorage, group_by: GroupBy, filters: ReportFilters, queues: Any) -> Any:
    with storage._engine.reading() as tx:
        return sql_reports.report_rows(tx, group_by, sql_reports.where(tx, filters, queues))


def check_random_shapes(storage: SqlStorage, seed: int, count: int) -> Counter[str]:
    """Every shape as served equals the raw path; returns how many each path answered."""
    rng = random.Random(seed)
    paths: Counter[str] = Counter()
    for _ in range(count):
        group_by, filters, queues = random_shape(rng)
        path = report_paths.source(group_by, filters)
        paths[path] += 1
        served = storage.context_report(group_by, filters, queues)
        raw = _raw(storage, group_by, filters, queues)
        if path == "raw":
            assert served == raw
        else:
            assert_same(served, raw, (path, group_by, filters, queues))
    return paths


def test_random_report_shapes_equal_the_raw_path(seeded):
    paths = check_random_shapes(seeded, seed=7, count=300)
    assert paths["cube"] >= 60, paths
    assert paths["agent rows"] >= 40, paths
    assert paths["rollups"] >= 20, paths


def test_agent_month_rows_with_a_queue_scoped_token_and_whole_months(seeded):
    masks = _facts(seeded, "SELECT DISTINCT reason_mask FROM rating_facts ORDER BY reason_mask")
    kinds = {kind for row in masks[:2] for kind in values_of(row["reason_mask"], REASON_BITS)}
    filters = ReportFilters(
        since=datetime(2026, 8, 20, 9, tzinfo=UTC),
        until=datetime(2026, 10, 12, 16, tzinfo=UTC),
        summariser=["llm", "none"],
        reason=sorted(kinds),
    )
    for queues in (None, frozenset({"queue-1"}), frozenset({"queue-0", "queue-2"})):
        for group_by in GroupBy:
            served = seeded.context_report(group_by, filters, queues)
            want = _raw(seeded, group_by, filters, queues)
            assert want, (group_by, queues)
            assert_same(served, want, (group_by, queues))
        agents = seeded.context_report(GroupBy.AGENT, filters, queues)
        assert report_paths.source(GroupBy.AGENT, filters) == "agent rows"
        assert len(agents) > 1


def test_a_retention_purge_keeps_the_cube_and_the_reports(seeded_alone):
    seeded = seeded_alone
    before = _cube_rows(seeded)
    filters = ReportFilters(flow=["flow-1-0", "flow-2-1"], summariser=["llm"])
    reports = [seeded.context_report(g, filters, None) for g in GroupBy]
    purged = seeded.purge_before(datetime.now(UTC) + timedelta(days=1))
    assert purged.escalations > 0
    assert _cube_rows(seeded) == before
    assert [seeded.context_report(g, filters, None) for g in GroupBy] == reports


# -- which path answers which shape --------------------------------------------------

_WHOLE = {"since": "2026-09-01T00:00:00+00:00", "until": "2026-11-01T00:00:00+00:00"}
_RAGGED = {"since": "2026-08-20T09:00:00+00:00", "until": "2026-10-12T16:00:00+00:00"}
_SHORT = {"since": "2026-09-10T09:00:00+00:00", "until": "2026-09-11T16:00:00+00:00"}
_NO_MONTH = {"since": "2026-09-10T00:00:00+00:00", "until": "2026-10-20T00:00:00+00:00"}


@pytest.mark.parametrize(
    ("group_by", "filters", "path"),
    [
        # one dimension: the rollups, as before
        (GroupBy.DAY, {}, "rollups"),
        (GroupBy.FLOW, {"flow": ["f"], "channel": ["chat"], **_RAGGED}, "rollups"),
        (GroupBy.AGENT, {}, "rollups"),
        (GroupBy.WEEK, {"agent": ["a", "b"]}, "rollups"),
        (GroupBy.QUEUE, {"reason": ["keyword"]}, "rollups"),
        # combinations without agents: the cube, any number of filters and values
        (GroupBy.FLOW, {"reason": ["keyword"]}, "cube"),
        (GroupBy.REASON, {"reason": ["keyword"]}, "cube"),
        (GroupBy.DAY, {"reason": ["keyword", "other"]}, "cube"),
        (GroupBy.DAY, {"flow": ["f"], "summariser": ["llm"], **_RAGGED}, "cube"),
        (GroupBy.WEEK, {"flow": ["f", "g"], "reason": ["other"], "summariser": ["llm"]}, "cube"),
        (GroupBy.SUMMARISER, {"flow": ["f"], "channel": ["voice"], **_NO_MONTH}, "cube"),
        (GroupBy.QUEUE, {"flow": ["f"], "summariser": ["none"], **_WHOLE}, "cube"),
        # agents with other filters: agent months when a whole month is in range
        (GroupBy.AGENT, {"summariser": ["llm"]}, "agent rows"),
        (GroupBy.AGENT, {"reason": ["keyword"], **_RAGGED}, "agent rows"),
        (GroupBy.FLOW, {"agent": ["a"], "flow": ["f"]}, "agent rows"),
        (GroupBy.REASON, {"agent": ["a", "b", "c"]}, "agent rows"),
        (GroupBy.SUMMARISER, {"agent": ["a"], "summariser": ["llm"], **_WHOLE}, "agent rows"),
        (GroupBy.AGENT, {"summariser": ["llm"], **_NO_MONTH}, "agent rows"),
        # with a channel filter: the agent rows split by channel (migration 7)
        (GroupBy.AGENT, {"summariser": ["llm"], "channel": ["chat"]}, "agent rows"),
        (GroupBy.AGENT, {"reason": ["other"], "channel": ["chat"], **_RAGGED}, "agent rows"),
        (GroupBy.FLOW, {"agent": ["a"], "channel": ["chat", "voice"]}, "agent rows"),
        (GroupBy.QUEUE, {"agent": ["a"], "summariser": ["llm"], "channel": ["chat"]}, "agent rows"),
        # by week with agents: the whole weeks' agent rows
        (GroupBy.WEEK, {"agent": ["a"], "reason": ["other"]}, "agent rows"),
        (GroupBy.WEEK, {"agent": ["a", "b"], "flow": ["f"], **_RAGGED}, "agent rows"),
        (GroupBy.WEEK, {"agent": ["a"], "summariser": ["llm"], "channel": ["email"]}, "agent rows"),
        # the rest: the facts
        (GroupBy.AGENT, {"summariser": ["llm"], **_SHORT}, "raw"),
        (GroupBy.AGENT, {"summariser": ["llm"], "channel": ["chat"], **_SHORT}, "raw"),
        (GroupBy.DAY, {"agent": ["a"], "flow": ["f"]}, "raw"),
        (GroupBy.DAY, {"agent": ["a"], "channel": ["chat"], "reason": ["other"]}, "raw"),
        (GroupBy.WEEK, {"agent": ["a"], "reason": ["other"], **_SHORT}, "raw"),
        (GroupBy.FLOW, {"reason": ["keyword"], **_SHORT}, "raw"),
    ],
)
def test_the_path_each_shape_takes(group_by, filters, path):
    assert report_paths.source(group_by, ReportFilters(**filters)) == path
    assert report_paths.estimated(group_by, ReportFilters(**filters)) == (path != "raw")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _ranges(*pairs: tuple[str, str]) -> tuple[tuple[datetime, datetime], ...]:
    return tuple((_at(a), _at(b)) for a, b in pairs)


@pytest.mark.parametrize(
    ("since", "until", "plan"),
    [
        (None, None, CubePlan((None, None), (), (), ())),
        ("2026-09-01T00:00:00+00:00", None, CubePlan(("2026-09", None), (), (), ())),
        (
            "2026-08-20T09:00:00+00:00",  # a Thursday
            "2026-10-12T16:00:00+00:00",  # a Monday
            CubePlan(
                ("2026-09", "2026-10"),
                (
                    ("2026-08-24", "2026-08-31"),
                    ("2026-10-05", "2026-10-12"),
                    ("2026-09-28", "2026-10-05"),  # for Oct 1-4, less Sep 28-30
                ),
                (),
                _ranges(
                    ("2026-08-20T09:00:00+00:00", "2026-08-24T00:00:00+00:00"),
                    ("2026-08-31T00:00:00+00:00", "2026-09-01T00:00:00+00:00"),
                    ("2026-10-12T00:00:00+00:00", "2026-10-12T16:00:00+00:00"),
                ),
                _ranges(("2026-09-28T00:00:00+00:00", "2026-10-01T00:00:00+00:00")),
            ),
        ),
        (
            "2026-12-31T23:00:00-02:00",  # 2027-01-01T01:00 UTC
            "2027-03-01T00:00:00+00:00",
            CubePlan(
                ("2027-02", "2027-03"),
                (("2027-01-04", "2027-02-01"),),
                (),
                _ranges(("2027-01-01T01:00:00+00:00", "2027-01-04T00:00:00+00:00")),
            ),
        ),
        (
            "2026-09-10T00:00:00+00:00",  # no whole month: weeks and the facts
            "2026-10-20T00:00:00+00:00",
            CubePlan(
                None,
                (("2026-09-14", "2026-10-19"), ("2026-09-07", "2026-09-14")),
                (),
                _ranges(("2026-10-19T00:00:00+00:00", "2026-10-20T00:00:00+00:00")),
                _ranges(("2026-09-07T00:00:00+00:00", "2026-09-10T00:00:00+00:00")),
            ),
        ),
        ("2026-09-10T00:00:00+00:00", "2026-09-15T00:00:00+00:00", None),  # no whole week
        ("2026-09-01T00:00:00+00:00", "2026-09-01T00:00:00+00:00", None),
        ("9999-12-05T00:00:00+00:00", None, None),
    ],
)
def test_how_the_agent_rows_split_a_time_range(since, until, plan):
    filters = ReportFilters(
        since=None if since is None else _at(since), until=None if until is None else _at(until)
    )
    assert sql_cube.agent_plan(GroupBy.AGENT, filters) == plan


@pytest.mark.parametrize(
    ("group_by", "since", "until", "plan"),
    [
        (GroupBy.WEEK, None, None, CubePlan(None, ((None, None),), (), ())),
        (GroupBy.DAY, None, None, CubePlan(None, (), ((None, None),), ())),
        (GroupBy.FLOW, None, None, CubePlan((None, None), (), (), ())),
        (
            GroupBy.WEEK,
            "2026-08-20T09:00:00+00:00",  # a Thursday
            "2026-10-12T16:00:00+00:00",  # a Monday
            CubePlan(
                None,
                (("2026-08-24", "2026-10-12"),),
                (("2026-08-21", "2026-08-24"),),
                _ranges(
                    ("2026-08-20T09:00:00+00:00", "2026-08-21T00:00:00+00:00"),
                    ("2026-10-12T00:00:00+00:00", "2026-10-12T16:00:00+00:00"),
                ),
            ),
        ),
        (
            GroupBy.REASON,
            "2026-08-20T09:00:00+00:00",
            "2026-10-14T00:00:00+00:00",  # a Wednesday
            CubePlan(
                ("2026-09", "2026-10"),
                (("2026-08-24", "2026-08-31"), ("2026-10-05", "2026-10-12")),
                (
                    ("2026-08-21", "2026-08-24"),
                    ("2026-08-31", "2026-09-01"),
                    ("2026-10-01", "2026-10-05"),
                    ("2026-10-12", "2026-10-14"),
                ),
                _ranges(("2026-08-20T09:00:00+00:00", "2026-08-21T00:00:00+00:00")),
            ),
        ),
        (
            GroupBy.QUEUE,
            "2026-09-10T00:00:00+00:00",  # a Thursday, to a Tuesday: no whole week
            "2026-09-15T00:00:00+00:00",
            CubePlan(None, (), (("2026-09-10", "2026-09-15"),), ()),
        ),
        (GroupBy.FLOW, "2026-09-10T09:00:00+00:00", "2026-09-11T09:00:00+00:00", None),
    ],
)
def test_how_the_cube_splits_a_time_range(group_by, since, until, plan):
    filters = ReportFilters(
        since=None if since is None else _at(since), until=None if until is None else _at(until)
    )
    assert sql_cube.cube_plan(group_by, filters) == plan


def test_the_rows_a_fact_counts_in():
    place = {
        "day": "2026-09-17",
        "week": "2026-09-14",
        "queue": "q",
        "channel": "chat",
        "flow": "f",
        "reason_mask": 5,
        "agent": "Ann",
        "summariser": "llm",
    }
    assert cube.keys_of(place) == [
        ("day", "2026-09-17", "q", "chat", "f", 5, "llm", "", "2026-09-14"),
        ("month", "2026-09", "q", "chat", "f", 5, "llm", "", ""),
        ("week", "2026-09-14", "q", "chat", "f", 5, "llm", "", "2026-09-14"),
        ("agent_month", "2026-09", "q", "", "f", 5, "llm", "Ann", ""),
        ("agent_week", "2026-09-14", "q", "", "f", 5, "llm", "Ann", ""),
        ("agent_channel_month", "2026-09", "q", "chat", "f", 5, "llm", "Ann", ""),
        ("agent_channel_week", "2026-09-14", "q", "chat", "f", 5, "llm", "Ann", ""),
    ]
    assert END.day == 1  # the seeded set ends on a month boundary
