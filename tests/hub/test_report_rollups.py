"""Report rollups (rollups.py, sql_rollups.py) against the raw path, on both backends.

A generated rating set (its rollups rebuilt in SQL) gets more ratings through the
hub's batch saving: new ones, edits of generated ratings and chains of edits
within and across batches. Then the rollups must equal a rebuild from the facts,
and random reports must give the raw path's figures (the median within the
documented bucket error), also with queue-scoped tokens and after a retention purge.
"""

from __future__ import annotations

import random
import statistics
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cxsidebar.core import (
    GroupBy,
    Outcome,
    Problem,
    Rating,
    RatingBatch,
    ReasonKind,
    Repeated,
    ReportFilters,
    ReportRow,
)
from cxsidebar.hub import open_storage, sql_reports, sql_rollups
from cxsidebar.hub.rating_generator import Shape, generate_ratings
from cxsidebar.hub.rollup_schema import REBUILD
from cxsidebar.hub.rollups import (
    BUCKETS,
    FIRST_ACTION_BOUNDS,
    MAX_RELATIVE_ERROR,
    bucket_of,
    median_estimate,
)
from cxsidebar.hub.sql_storage import SqlStorage

END = date(2026, 11, 1)
SHAPE = Shape(count=1500, days=80, end=END, queues=3, flows_per_queue=2, agents=12, seed=5)
START = END - timedelta(days=SHAPE.days)
QUEUES = [f"queue-{q}" for q in range(SHAPE.queues)]
CHANNELS = ["chat", "voice", "email"]
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


def _facts(storage: SqlStorage, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with storage._engine.reading() as tx:
        return tx.rows(sql, params or [])


def _rating(rng: random.Random, escalation_id: str, **fields: Any) -> Rating:
    moment = datetime.combine(START, datetime.min.time(), UTC) + timedelta(
        seconds=rng.randrange(SHAPE.days * 86400)
    )
    first_action = rng.choice([None, rng.randrange(0, 500), int(rng.lognormvariate(9, 1))])
    return Rating(
        escalation_id=escalation_id,
        created_at=moment,
        overall=rng.randint(1, 5),
        parts={p: rng.choice([None, 1, 2, 3, 4, 5]) for p in ("transcript", "summary")},
        customer_repeated=rng.random() < 0.2,
        repeated=rng.sample(list(Repeated), rng.choice([0, 0, 1, 2])),
        problems=rng.sample(list(Problem), rng.choice([0, 1, 2])),
        outcome=rng.choice([None, *Outcome]),
        first_action_ms=first_action,
        **fields,
    )


def _ingest(storage: SqlStorage, rng: random.Random) -> None:
    """Ratings through `save_ratings`: new ones, edits of generated ones, chains of edits."""
    escalations = [row["id"] for row in _facts(storage, "SELECT id FROM escalations")]
    agents = [f"Tester {n}" for n in range(3)]
    mine: dict[tuple[str, str], uuid.UUID] = {}  # (escalation, agent) → current rating
    for _ in range(6):
        per_agent: dict[str, list[Rating]] = {agent: [] for agent in agents}
        for agent in agents:
            for escalation_id in rng.sample(escalations, 25):
                current = mine.get((escalation_id, agent))
                rating = _rating(rng, escalation_id, supersedes=current)
                per_agent[agent].append(rating)
                mine[(escalation_id, agent)] = rating.id
                if rng.random() < 0.3:  # edited again in the same batch
                    edit = _rating(rng, escalation_id, supersedes=rating.id)
                    per_agent[agent].append(edit)
                    mine[(escalation_id, agent)] = edit.id
        for agent, ratings in per_agent.items():
            result = storage.save_ratings(agent, RatingBatch(ratings=ratings), None)
            assert {r.status for r in result.results} == {"created"}
    generated = _facts(
        storage,
        "SELECT rating_id, escalation_id, agent FROM rating_facts "
        "WHERE current = 1 AND agent LIKE ? ORDER BY rating_id",
        ["Agent %"],
    )
    by_agent: dict[str, list[Rating]] = {}
    for row in rng.sample(generated, 150):
        edit = _rating(rng, row["escalation_id"], supersedes=uuid.UUID(row["rating_id"]))
        by_agent.setdefault(row["agent"], []).append(edit)
    for agent, ratings in by_agent.items():
        result = storage.save_ratings(agent, RatingBatch(ratings=ratings), None)
        assert {r.status for r in result.results} == {"created"}


def _seed(url: str) -> Iterator[SqlStorage]:
    generate_ratings(url, SHAPE)
    storage = open_storage(url)
    try:
        assert isinstance(storage, SqlStorage)
        _ingest(storage, random.Random(11))
        yield storage
    finally:
        storage.close()


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStorage]:
    """One seeded database per backend for the tests that only read it."""
    if request.param == "sqlite":
        yield from _seed(f"sqlite:///{tmp_path_factory.mktemp('rollups') / 'hub.sqlite3'}")
        return
    with request.getfixturevalue("postgres").fresh() as url:
        yield from _seed(url)


@pytest.fixture
def seeded_alone(db_url: str) -> Iterator[SqlStorage]:
    """A seeded database of its own, for a test that changes it."""
    yield from _seed(db_url)


def _rollup_rows(storage: SqlStorage) -> list[dict[str, Any]]:
    rows = _facts(
        storage,
        "SELECT * FROM rating_rollups WHERE n <> 0 "
        "ORDER BY grain, dim, key, period, queue, channel",
    )
    return [{k: (v if isinstance(v, str) else int(v)) for k, v in row.items()} for row in rows]


def test_rollups_kept_at_ingestion_equal_a_rebuild_from_the_facts(seeded):
    kept = _rollup_rows(seeded)
    assert kept
    with seeded._engine.writing() as tx:
        for sql in REBUILD:
            tx.execute(sql)
    assert _rollup_rows(seeded) == kept  # (and the shared database is as it was)


def _moment(rng: random.Random) -> datetime:
    day = START + timedelta(days=rng.randrange(-3, SHAPE.days + 3))
    kind = rng.random()
    if kind < 0.3:
        day = day.replace(day=1)  # month boundaries
    moment = datetime.combine(day, datetime.min.time(), UTC)
    if kind > 0.6:  # a partial day
        moment += timedelta(seconds=rng.randrange(1, 86400))
    return moment


def random_filters(rng: random.Random) -> tuple[GroupBy, ReportFilters, frozenset[str] | None]:
    group_by = rng.choice(list(GroupBy))
    values: dict[str, Any] = {}
    if rng.random() < 0.5:
        since = _moment(rng)
        values["since"] = since
        if rng.random() < 0.6:
            length = rng.choice([timedelta(days=rng.randrange(1, 60)), timedelta(hours=30)])
            values["until"] = since + length + rng.choice([timedelta(), timedelta(minutes=90)])
    elif rng.random() < 0.4:
        values["until"] = _moment(rng)
    if rng.random() < 0.3:
        values["channel"] = rng.sample(CHANNELS, rng.randint(1, 2))
    dims = {
        "flow": [f"flow-{q}-{f}" for q in range(SHAPE.queues) for f in range(2)],
        "agent": [f"Agent {n}" for n in range(SHAPE.agents)] + ["Tester 0"],
        "summariser": ["llm", "extractive", "none"],
        "reason": list(ReasonKind),
    }
    for name in rng.sample(list(dims), rng.choice([0, 1, 1, 1, 2])):
        values[name] = rng.sample(dims[name], rng.choice([1, 1, 2]))
    queues = rng.choice([None, None, frozenset(rng.sample(QUEUES, rng.randint(1, 2)))])
    return group_by, ReportFilters(**values), queues


def both_ways(
    storage: SqlStorage, group_by: GroupBy, filters: ReportFilters, queues: frozenset[str] | None
) -> tuple[list[ReportRow] | None, list[ReportRow]]:
    with storage._engine.reading() as tx:
        rolled = sql_rollups.rollup_report(tx, group_by, filters, queues)
        raw = sql_reports.report_rows(tx, group_by, sql_reports.where(tx, filters, queues))
    return rolled, raw


def assert_same(rolled: list[ReportRow], raw: list[ReportRow], case: Any) -> None:
    assert [r.key for r in rolled] == [r.key for r in raw], case
    for got, want in zip(rolled, raw, strict=True):
        exact = {"median_first_action_ms"}
        assert got.model_dump(exclude=exact | {"mean_overall", "parts", "repeated_share"}) == (
            want.model_dump(exclude=exact | {"mean_overall", "parts", "repeated_share"})
        ), case
        assert got.mean_overall == pytest.approx(want.mean_overall, rel=1e-12), case
        assert got.repeated_share == pytest.approx(want.repeated_share, rel=1e-12), case
        for part, mean in want.parts.model_dump().items():
            if mean is None:
                assert getattr(got.parts, part) is None, (case, part)
            else:
                assert getattr(got.parts, part) == pytest.approx(mean, rel=1e-12), (case, part)
        median, exact_median = got.median_first_action_ms, want.median_first_action_ms
        if exact_median is None:
            assert median is None, case
        else:
            assert median is not None, case
            assert abs(median - exact_median) <= MAX_RELATIVE_ERROR * exact_median + 500, case


def check_random_reports(storage: SqlStorage, seed: int, count: int) -> int:
    """Returns how many the rollups answered."""
    rng = random.Random(seed)
    answered = 0
    for _ in range(count):
        group_by, filters, queues = random_filters(rng)
        rolled, raw = both_ways(storage, group_by, filters, queues)
        assert (rolled is not None) == sql_rollups.answers(group_by, filters)
        if rolled is None:
            continue
        answered += 1
        assert_same(rolled, raw, (group_by, filters, queues))
    return answered


def test_random_reports_from_the_rollups_equal_the_raw_path(seeded):
    answered = check_random_reports(seeded, seed=1, count=200)
    assert answered >= 80, "most random reports are ones the rollups answer"


def test_every_grouping_over_everything_and_by_queue(seeded):
    for group_by in GroupBy:
        for queues in (None, frozenset({"queue-1"}), frozenset({"queue-0", "queue-2"})):
            rolled, raw = both_ways(seeded, group_by, ReportFilters(), queues)
            assert rolled is not None
            assert raw, "the set has ratings in every grouping"
            assert_same(rolled, raw, (group_by, queues))


def test_a_queue_scoped_supervisor_gets_the_same_report_either_way(seeded):
    # The route passes the token's queues (within what was asked) as `queues`.
    filters = ReportFilters(since=datetime(2026, 9, 3, 7, 30, tzinfo=UTC), channel=["chat"])
    for group_by in GroupBy:
        rolled, raw = both_ways(seeded, group_by, filters, frozenset({"queue-2"}))
        assert rolled is not None
        assert_same(rolled, raw, group_by)
        if group_by is GroupBy.QUEUE:
            assert [row.key for row in rolled] == ["queue-2"]
    nothing = both_ways(seeded, GroupBy.DAY, ReportFilters(), frozenset())
    assert nothing == ([], [])


def test_a_retention_purge_keeps_the_rollups_and_the_reports(seeded_alone):
    seeded = seeded_alone
    before = _rollup_rows(seeded)
    reports = [seeded.context_report(g, ReportFilters(), None) for g in GroupBy]
    purged = seeded.purge_before(datetime.now(UTC) + timedelta(days=1))
    assert purged.escalations > 0
    assert _rollup_rows(seeded) == before
    assert [seeded.context_report(g, ReportFilters(), None) for g in GroupBy] == reports
    assert check_random_reports(seeded, seed=2, count=40) > 0


# -- which reports the rollups answer, and how a time range is split ---------------


@pytest.mark.parametrize(
    ("group_by", "filters", "dimension"),
    [
        (GroupBy.DAY, {}, ("all", [])),
        (GroupBy.WEEK, {"queue": ["q"], "channel": ["chat"]}, ("all", [])),
        (GroupBy.DAY, {"agent": ["b", "a"]}, ("agent", ["a", "b"])),
        (GroupBy.QUEUE, {"reason": ["keyword"]}, ("reason", ["keyword"])),
        (GroupBy.DAY, {"reason": ["keyword", "other"]}, None),
        (GroupBy.WEEK, {"agent": ["a"], "flow": ["f"]}, None),
        (GroupBy.FLOW, {"flow": ["f"], "channel": ["voice"]}, ("flow", ["f"])),
        (GroupBy.FLOW, {"agent": ["a"]}, None),
        (GroupBy.REASON, {}, ("reason", [])),
        (GroupBy.REASON, {"reason": ["keyword"]}, None),
        (GroupBy.SUMMARISER, {"summariser": ["llm"]}, ("summariser", ["llm"])),
    ],
)
def test_the_dimension_a_report_reads(group_by, filters, dimension):
    assert sql_rollups.dimension(group_by, ReportFilters(**filters)) == dimension


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("since", "until", "months", "plan"),
    [
        (None, None, True, sql_rollups.Plan((None, None), (), ())),
        (None, None, False, sql_rollups.Plan(None, ((None, None),), ())),
        (
            "2026-09-15T10:00:00+00:00",
            "2026-11-03T00:00:00+00:00",
            True,
            sql_rollups.Plan(
                ("2026-10", "2026-11"),
                (("2026-09-16", "2026-10-01"), ("2026-11-01", "2026-11-03")),
                ((_at("2026-09-15T10:00:00+00:00"), _at("2026-09-16T00:00:00+00:00")),),
            ),
        ),
        (
            "2026-09-01T00:00:00+02:00",  # 2026-08-31T22:00 UTC
            "2026-09-20T06:00:00+00:00",
            True,
            sql_rollups.Plan(
                None,
                (("2026-09-01", "2026-09-20"),),
                (
                    (_at("2026-08-31T22:00:00+00:00"), _at("2026-09-01T00:00:00+00:00")),
                    (_at("2026-09-20T00:00:00+00:00"), _at("2026-09-20T06:00:00+00:00")),
                ),
            ),
        ),
        ("2026-12-01T00:00:00+00:00", None, True, sql_rollups.Plan(("2026-12", None), (), ())),
        (
            None,
            "2026-12-01T00:00:00+00:00",
            False,
            sql_rollups.Plan(None, ((None, "2026-12-01"),), ()),
        ),
        ("2026-09-15T10:00:00+00:00", "2026-09-16T09:00:00+00:00", True, None),
        ("2026-09-15T00:00:00+00:00", "2026-09-15T09:00:00+00:00", False, None),
        ("9999-12-31T12:00:00+00:00", None, True, None),
        ("9999-12-05T00:00:00+00:00", None, True, None),
        (
            "2026-09-10T00:00:00+00:00",
            "2026-09-25T00:00:00+00:00",
            True,
            sql_rollups.Plan(None, (("2026-09-10", "2026-09-25"),), ()),
        ),
    ],
)
def test_how_a_time_range_is_split(since, until, months, plan):
    got = sql_rollups.plan(
        None if since is None else _at(since), None if until is None else _at(until), months=months
    )
    assert got == plan


def test_the_median_estimate_is_within_the_documented_bound():
    rng = random.Random(3)
    for _ in range(2000):
        values = [
            rng.choice([rng.randrange(0, 600), int(rng.lognormvariate(9, 1.2))])
            for _ in range(rng.randint(1, 40))
        ]
        values = [min(v, FIRST_ACTION_BOUNDS[-1] - 1) for v in values]
        histogram = [0] * BUCKETS
        for value in values:
            histogram[bucket_of(value)] += 1
        exact = statistics.median(values)
        estimate = median_estimate(histogram)
        assert estimate is not None
        assert abs(estimate - exact) <= MAX_RELATIVE_ERROR * exact + 500, values
    assert median_estimate([0] * BUCKETS) is None
    assert median_estimate([0] * (BUCKETS - 1) + [3]) == FIRST_ACTION_BOUNDS[-1]
    assert 0.18 < MAX_RELATIVE_ERROR < 0.2
