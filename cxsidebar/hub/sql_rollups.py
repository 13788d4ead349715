"""The context-quality report from `rating_rollups` (rollups.py), when the filters allow.

When: the rollups answer a report whose filters are, besides the time range, the
queues (a queue filter or a queue-scoped token) and the channels (every rollup row
has its queue and channel),
- grouping by day, week or queue: a filter on at most one other dimension (flow,
  agent, summariser, or exactly one reason kind);
- grouping by flow, agent or summariser: a filter on that same dimension only;
- grouping by reason: no other filter (a reason filter picks ratings, whose every
  reason kind is then a row, which one-dimension rows cannot tell).
Anything else, or a time range within one or two partial days, takes the raw path
(sql_reports.py); `rollup_report` then answers None.

How: whole UTC months come from month rows (not when grouping by day or week),
the other whole days from day rows, and the partial first and last day from the
raw facts, all in one statement (UNION ALL, then summed per group), so the
groups sort the way the raw path sorts them on each backend. Every figure equals
the raw path's except the median time to first action, estimated from a
histogram (rollups.median_estimate bounds the error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cxsidebar.core import GroupBy, ReportFilters, ReportRow
from cxsidebar.hub import sql_reports
from cxsidebar.hub.rating_facts import PARTS
from cxsidebar.hub.rollups import BUCKETS, MEASURE_COLUMNS, MEASURES, median_estimate
from cxsidebar.hub.sql_tx import SqlTx

_FILTERED = ("flow", "reason", "agent", "summariser")
_TIME_GROUPS = (GroupBy.DAY, GroupBy.WEEK, GroupBy.QUEUE)
_ROLLUP_GROUP = {GroupBy.DAY: "r.period", GroupBy.WEEK: "r.week", GroupBy.QUEUE: "r.queue"}

Range = tuple[str | None, str | None]  # [from, to) as period text; None: unbounded


@dataclass(frozen=True)
class Plan:
    """Where each part of a report's time range comes from."""

    months: Range | None  # month rows
    days: tuple[Range, ...]  # day rows
    raw: tuple[tuple[datetime, datetime], ...]  # partial days from rating_facts


def dimension(group_by: GroupBy, filters: ReportFilters) -> tuple[str, list[str]] | None:
    """The rollup dimension to read and the keys it is filtered to ([]: every key);
    None when the rollups cannot answer these filters."""
    chosen = {
        name: sorted({str(v) for v in getattr(filters, name)})
        for name in _FILTERED
        if getattr(filters, name)
    }
    if group_by in _TIME_GROUPS:
        if not chosen:
            return "all", []
        if len(chosen) > 1:
            return None
        ((name, keys),) = chosen.items()
        if name == "reason" and len(keys) != 1:
            return None  # a rating with two of the kinds would count twice
        return name, keys
    name = group_by.value
    if set(chosen) - {name} or (name == "reason" and chosen):
        return None
    return name, chosen.get(name, [])


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def plan(since: datetime | None, until: datetime | None, *, months: bool) -> Plan | None:
    """Split [since, until) into months, days and partial days; None when no whole
    day lies inside (the raw path is quick for such ranges)."""
    try:
        return _plan(since, until, months=months)
    except (OverflowError, ValueError):  # a range at the end of the calendar
        return None


def _plan(since: datetime | None, until: datetime | None, *, months: bool) -> Plan | None:
    raw: list[tuple[datetime, datetime]] = []
    first = last = None  # the first whole day; the first day after the whole ones
    if since is not None:
        since = since.astimezone(UTC)
        first = since.date()
        if since != midnight(first):
            first += timedelta(days=1)
            raw.append((since, midnight(first)))
    if until is not None:
        until = until.astimezone(UTC)
        last = until.date()
        if first is not None and first >= last:
            return None
        if until != midnight(last):
            raw.append((midnight(last), until))
    if not months:
        return Plan(None, ((_text(first), _text(last)),), tuple(raw))
    month_from = first if first is None or first.day == 1 else _next_month(first)
    month_to = None if last is None else last.replace(day=1)
    if month_from is not None and month_to is not None and month_from >= month_to:
        return Plan(None, ((_text(first), _text(last)),), tuple(raw))
    days: list[Range] = []
    if first is not None and month_from is not None and first < month_from:
        days.append((_text(first), _text(month_from)))
    if last is not None and month_to is not None and month_to < last:
        days.append((_text(month_to), _text(last)))
    month_range = (
        None if month_from is None else month_from.isoformat()[:7],
        None if month_to is None else month_to.isoformat()[:7],
    )
    return Plan(month_range, tuple(days), tuple(raw))


def _text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def answers(group_by: GroupBy, filters: ReportFilters) -> bool:
    """Whether `rollup_report` answers (its median then is an estimate)."""
    months = group_by not in (GroupBy.DAY, GroupBy.WEEK)
    return (
        dimension(group_by, filters) is not None
        and plan(filters.since, filters.until, months=months) is not None
    )


def rollup_report(
    tx: SqlTx, group_by: GroupBy, filters: ReportFilters, queues: frozenset[str] | None
) -> list[ReportRow] | None:
    """The report from the rollups, or None when it needs the raw path."""
    chosen = dimension(group_by, filters)
    if chosen is None:
        return None
    parts = plan(filters.since, filters.until, months=group_by not in (GroupBy.DAY, GroupBy.WEEK))
    if parts is None:
        return None
    dim, keys = chosen
    channels = sorted(set(filters.channel))
    branches: list[str] = []
    params: list[Any] = []
    for grain, periods in (
        *((("month", parts.months),) if parts.months is not None else ()),
        *(("day", days) for days in parts.days),
    ):
        branches.append(
            _rollup_branch(grain, periods, group_by, dim, keys, queues, channels, params)
        )
    for since, until in parts.raw:
        branches.append(raw_branch(tx, group_by, filters, queues, since, until, params))
    return summed(tx, group_by, branches, params)


def summed(tx: SqlTx, group_by: GroupBy, branches: list[str], params: list[Any]) -> list[ReportRow]:
    """The report rows of `branches` (each: a key and MEASURE_COLUMNS), summed per key."""
    cte = sql_reports.source_of(group_by)[0]
    sums = ", ".join(f"SUM(u.{name}) AS {name}" for name in MEASURE_COLUMNS)
    sql = (
        f"{cte}SELECT u.key AS key, {sums} FROM ({' UNION ALL '.join(branches)}) u "  # noqa: S608
        "GROUP BY u.key HAVING SUM(u.n) > 0 ORDER BY u.key"
    )
    return [_report_row(group_by, row) for row in tx.rows(sql, params)]


def _rollup_branch(
    grain: str,
    periods: Range,
    group_by: GroupBy,
    dim: str,
    keys: list[str],
    queues: frozenset[str] | None,
    channels: list[str],
    params: list[Any],
) -> str:
    conds = ["r.grain = ?", "r.dim = ?"]
    params += [grain, dim]
    if dim == "all":
        conds.append("r.key = ''")
    elif keys:
        conds.append(sql_reports.in_list("r.key", keys, params))
    if periods[0] is not None:
        conds.append("r.period >= ?")
        params.append(periods[0])
    if periods[1] is not None:
        conds.append("r.period < ?")
        params.append(periods[1])
    if queues is not None:
        conds.append(sql_reports.in_list("r.queue", sorted(queues), params))
    if channels:
        conds.append(sql_reports.in_list("r.channel", channels, params))
    group = _ROLLUP_GROUP.get(group_by, "r.key")
    return (
        f"SELECT {group} AS key, {', '.join(f'r.{c}' for c in MEASURE_COLUMNS)} "  # noqa: S608
        f"FROM rating_rollups r WHERE {' AND '.join(conds)}"
    )


def raw_branch(
    tx: SqlTx,
    group_by: GroupBy,
    filters: ReportFilters,
    queues: frozenset[str] | None,
    since: datetime,
    until: datetime,
    params: list[Any],
    *,
    negated: bool = False,
) -> str:
    """A branch for `summed`: one row per fact in [since, until) (the reason kinds'
    CTE, when grouping by reason, is `summed`'s); `negated`: its measures negated, to
    take away facts that other branches count."""
    clause = sql_reports.where(
        tx, filters.model_copy(update={"since": since, "until": until}), queues
    )
    params += clause.params
    source = sql_reports.source_of(group_by)[1]
    if not sql_reports.is_postgres(tx):  # ratings first: SQLite may read them once per kind
        source = source.replace(" JOIN kinds ", " CROSS JOIN kinds ")
    sign = "-" if negated else ""
    measures = ", ".join(f"{sign}({sql}) AS {name}" for name, sql in MEASURES)
    key = sql_reports.group_column(group_by)
    return f"SELECT {key} AS key, {measures} FROM {source} WHERE {clause.sql}"  # noqa: S608


def _report_row(group_by: GroupBy, row: dict[str, Any]) -> ReportRow:
    sums = {name: int(row[name]) for name in MEASURE_COLUMNS}
    parts = {
        f"part_{part}": (sums[f"{part}_sum"] / sums[f"{part}_n"] if sums[f"{part}_n"] else None)
        for part in PARTS
    }
    histogram = [sums[f"fa{i}"] for i in range(BUCKETS)]
    return sql_reports.report_row(
        group_by, {**sums, **parts, "key": row["key"], "median": median_estimate(histogram)}
    )
