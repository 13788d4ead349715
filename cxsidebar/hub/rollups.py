"""Rating rollups: sums of `rating_facts` per (grain, dimension, key, period, queue, channel).

Reports over long time ranges add up these rows instead of a million facts
(sql_rollups.py). A row holds, for the current ratings of one period (a UTC day
or month), one value of one dimension, one queue and one channel, every count a
report needs: `MEASURES` below. Dimensions: "all" (key ""), flow, reason (a
rating counts once per reason kind it has), agent and summariser. Every row is
also split by queue and by channel (both few), so a queue filter (and a
queue-scoped token) and a channel filter apply to every dimension, and grouping
by queue is the "all" dimension by queue.

Rows are kept at ingestion in the rating batch's transaction: a batch adds the
measures of its new current facts and subtracts those of the facts it
supersedes, one upsert per distinct row (sql_ratings.py). A row whose ratings
were all superseded stays with zero counts; reports skip it.

The median time to first action is approximate on this path: a histogram of
`FIRST_ACTION_BOUNDS` buckets (see `median_estimate` for the bound on the error).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any, TypeVar

from cxsidebar.hub.rating_facts import PARTS, PROBLEM_BITS, REASON_BITS, REPEATED_BITS, values_of

K = TypeVar("K")
RowKey = TypeVar("RowKey", bound=tuple[Any, ...])  # a rollup's or the cube's key columns

GRAINS = ("day", "month")
DIMENSIONS = ("all", "flow", "reason", "agent", "summariser")

# First action times in buckets: [0, 500 ms), then 48 buckets whose bounds grow by
# 2^(1/4) (about 19 %) up to 2,048,000 ms (34 min), then one open bucket above.
FIRST_ACTION_BOUNDS: tuple[int, ...] = tuple(round(500 * 2 ** (i / 4)) for i in range(49))
BUCKETS = len(FIRST_ACTION_BOUNDS) + 1
BUCKET_RATIO = 2 ** (1 / 4)


def _bucket_test(i: int) -> str:
    """SQL: f.first_action_ms is in bucket `i` (false when NULL)."""
    if i == 0:
        return f"f.first_action_ms < {FIRST_ACTION_BOUNDS[0]}"
    low = f"f.first_action_ms >= {FIRST_ACTION_BOUNDS[i - 1]}"
    if i == BUCKETS - 1:
        return low
    return f"{low} AND f.first_action_ms < {FIRST_ACTION_BOUNDS[i]}"


# (column, SQL over one fact row `f`); the Python twin is `measures_of`.
MEASURES: tuple[tuple[str, str], ...] = (
    ("n", "1"),
    ("sum_overall", "f.overall"),
    *((f"d{s}", f"CASE WHEN f.overall = {s} THEN 1 ELSE 0 END") for s in range(1, 6)),
    *(
        column
        for part in PARTS
        for column in (
            (f"{part}_sum", f"COALESCE(f.part_{part}, 0)"),
            (f"{part}_n", f"CASE WHEN f.part_{part} IS NULL THEN 0 ELSE 1 END"),
        )
    ),
    ("repeats", "f.had_repeat"),
    *((f"rep{b}", f"((f.repeated_mask >> {b}) & 1)") for b in REPEATED_BITS.values()),
    *((f"prob{b}", f"((f.problem_mask >> {b}) & 1)") for b in PROBLEM_BITS.values()),
    ("with_outcome", "CASE WHEN f.outcome IS NULL THEN 0 ELSE 1 END"),
    ("resolved", "CASE WHEN f.outcome = 'resolved' THEN 1 ELSE 0 END"),
    *((f"fa{i}", f"CASE WHEN {_bucket_test(i)} THEN 1 ELSE 0 END") for i in range(BUCKETS)),
)
MEASURE_COLUMNS = tuple(name for name, _ in MEASURES)
KEY_COLUMNS = ("grain", "dim", "key", "period", "queue", "channel", "week")
ROLLUP_COLUMNS = (*KEY_COLUMNS, *MEASURE_COLUMNS)
CONFLICT = "grain, dim, key, period, queue, channel"

RollupKey = tuple[str, str, str, str, str, str, str]  # KEY_COLUMNS


# The rating_facts columns `measures_of` and `keys_of` read.
FACT_INPUTS = (
    "day",
    "week",
    "queue",
    "channel",
    "flow",
    "reason_mask",
    "agent",
    "summariser",
    "overall",
    *(f"part_{part}" for part in PARTS),
    "had_repeat",
    "repeated_mask",
    "problem_mask",
    "outcome",
    "first_action_ms",
)


def bucket_of(first_action_ms: int) -> int:
    return bisect_right(FIRST_ACTION_BOUNDS, first_action_ms)


def measures_of(fact: Mapping[str, Any]) -> list[int]:
    """One fact's MEASURES, as the SQL expressions compute them."""
    overall = int(fact["overall"])
    parts: list[int] = []
    for part in PARTS:
        score = fact[f"part_{part}"]
        parts += [0, 0] if score is None else [int(score), 1]
    repeated, problems = int(fact["repeated_mask"]), int(fact["problem_mask"])
    outcome = fact["outcome"]
    buckets = [0] * BUCKETS
    if fact["first_action_ms"] is not None:
        buckets[bucket_of(int(fact["first_action_ms"]))] = 1
    return [
        1,
        overall,
        *(int(overall == s) for s in range(1, 6)),
        *parts,
        int(fact["had_repeat"]),
        *(repeated >> b & 1 for b in REPEATED_BITS.values()),
        *(problems >> b & 1 for b in PROBLEM_BITS.values()),
        int(outcome is not None),
        int(outcome == "resolved"),
        *buckets,
    ]


# What places a fact in rollup rows (the rest of FACT_INPUTS is what it adds up).
PLACE = ("day", "week", "queue", "channel", "flow", "reason_mask", "agent", "summariser")

Place = dict[str, Any]  # PLACE columns of a fact


def keys_of(fact: Mapping[str, Any]) -> list[RollupKey]:
    """The rollup rows one fact counts in: each dimension value, by day and by month."""
    day, week = str(fact["day"]), str(fact["week"])
    queue, channel = str(fact["queue"]), str(fact["channel"])
    values = [
        ("all", ""),
        ("flow", str(fact["flow"])),
        *(("reason", kind.value) for kind in values_of(int(fact["reason_mask"]), REASON_BITS)),
        ("agent", str(fact["agent"])),
        ("summariser", str(fact["summariser"])),
    ]
    return [
        key
        for dim, value in values
        for key in (
            ("day", dim, value, day, queue, channel, week),
            ("month", dim, value, day[:7], queue, channel, ""),
        )
    ]


def place_sums(
    added: Iterable[Mapping[str, Any]], removed: Iterable[Mapping[str, Any]]
) -> list[tuple[Place, list[int]]]:
    """The measures `added` facts bring minus those `removed` ones take away, summed
    per place (a batch is mostly one agent, day, queue and flow)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for facts, sign in ((added, 1), (removed, -1)):
        for fact in facts:
            measures = measures_of(fact)
            place = tuple(fact[column] for column in PLACE)
            total = groups.get(place)
            if total is None:
                groups[place] = [sign * m for m in measures]
            else:
                groups[place] = [t + sign * m for t, m in zip(total, measures, strict=True)]
    return [(dict(zip(PLACE, place, strict=True)), sums) for place, sums in groups.items()]


def sum_by_key(
    places: Iterable[tuple[Place, list[int]]], keys: Callable[[Place], Iterable[K]]
) -> dict[K, list[int]]:
    """Place sums added up per row key (`keys`: the rows a place counts in)."""
    out: dict[K, list[int]] = {}
    for place, measures in places:
        for key in keys(place):
            total = out.get(key)
            out[key] = (
                list(measures)
                if total is None
                else [t + m for t, m in zip(total, measures, strict=True)]
            )
    return out


def deltas(
    added: Iterable[Mapping[str, Any]], removed: Iterable[Mapping[str, Any]]
) -> dict[RollupKey, list[int]]:
    """What the rollups gain when `added` facts start counting and `removed` ones stop.

    Facts that land in the same rollup rows are summed first (`place_sums`), so each
    rollup row is added to once per such group.
    """
    return sum_by_key(place_sums(added, removed), keys_of)


def adding_upsert_sql(table: str, columns: Sequence[str], conflict: str, rows: int) -> str:
    """Add `rows` rows of `columns` to `table` (the rollups or the cube): a row whose
    `conflict` key is there already has the MEASURE_COLUMNS added to it (SQLite and
    PostgreSQL). The names are this package's constants, never input."""
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in MEASURE_COLUMNS)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constants)
        f"VALUES {', '.join([marks] * rows)} ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )


def upsert_sql(rows: int) -> str:
    """Add `rows` rows of ROLLUP_COLUMNS to the rollups."""
    return adding_upsert_sql("rating_rollups", ROLLUP_COLUMNS, CONFLICT, rows)


def upsert_rows(changes: Mapping[RowKey, Sequence[int]]) -> list[list[Any]]:
    """Rows for `upsert_sql`, in key order (concurrent writers lock rows in one order);
    changes that add nothing are left out."""
    return [[*key, *changes[key]] for key in sorted(changes) if any(changes[key])]


# The widest bucket between 500 ms and 34 min, relative to its lower bound (the bounds
# are rounded to whole ms, so a little over 2^(1/4) - 1).
MAX_RELATIVE_ERROR = max(hi / lo for lo, hi in pairwise(FIRST_ACTION_BOUNDS)) - 1


def _estimate(buckets: Sequence[int], rank: int) -> float:
    """The `rank`-th smallest value (from 1), spread evenly within its bucket."""
    before = 0
    for i, count in enumerate(buckets):
        if count and rank <= before + count:
            if i == BUCKETS - 1:
                return float(FIRST_ACTION_BOUNDS[-1])
            low = 0 if i == 0 else FIRST_ACTION_BOUNDS[i - 1]
            high = FIRST_ACTION_BOUNDS[i]
            return low + (high - low) * (rank - before - 0.5) / count
        before += count
    raise ValueError(f"rank {rank} is beyond the {before} values of the histogram")


def median_estimate(buckets: Sequence[int]) -> float | None:
    """The median of a first-action histogram, None when it is empty.

    Each middle value is estimated inside its own bucket, so the estimate is off by
    less than one bucket width: under MAX_RELATIVE_ERROR (19 %) of the exact median
    when the middle values are between 500 ms and 34 min, under 500 ms more when
    one is below 500 ms; above 34 min it says 34 min (the open bucket's start).
    The raw path (filters the rollups cannot answer) gives the exact median.
    """
    total = sum(buckets)
    if total == 0:
        return None
    if total % 2:
        return _estimate(buckets, total // 2 + 1)
    return (_estimate(buckets, total // 2) + _estimate(buckets, total // 2 + 1)) / 2
