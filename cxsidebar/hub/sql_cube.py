"""The context-quality report from `rating_cube` (cube.py), when the rollups cannot.

When: any filters on flow, reason kinds, summariser, queue and channel, any
grouping but agent, and a time range with at least one whole UTC day: the cube's
month and day rows, split like the rollups' (sql_rollups.plan), with the whole
ISO weeks among the days read from week rows unless grouping by day (`cube_plan`).
A report that filters or groups by agent (but does not group by day) and has a
whole UTC month or ISO week in its range: the agent month rows for the whole
months, agent week rows for whole weeks outside them, the facts for the rest
(`agent_plan`); grouped by week, the whole weeks' rows and the facts for the
partial weeks. A part from the facts that is most of an ISO week (four days or
more) is read as that week's row less the facts of its other days (`_fewer_facts`;
exact, as those facts are a part of the row). The agent rows split by channel
(agent_channel_*) when the report filters by channel, else the smaller ones
(agent_month, agent_week). Anything else takes the raw path.

How: as sql_rollups.py, one statement summing UNION ALL branches per group. A
row passes the reason filter when its mask shares a bit with the filter's, and
grouping by reason joins each row to every kind in its mask: a rating with two
of the kinds counts in both groups, as on the raw path. Every figure equals the
raw path's except the median time to first action (rollups.median_estimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cxsidebar.core import GroupBy, ReportFilters, ReportRow
from cxsidebar.hub import sql_reports
from cxsidebar.hub.cube import AGENT_CHANNEL_GRAINS, AGENT_GRAINS
from cxsidebar.hub.rating_facts import REASON_BITS, mask_of
from cxsidebar.hub.rollups import MEASURE_COLUMNS
from cxsidebar.hub.sql_rollups import Range, midnight, plan, raw_branch, summed
from cxsidebar.hub.sql_tx import SqlTx

_TIME_GROUPS = (GroupBy.DAY, GroupBy.WEEK)
_KEY = {
    GroupBy.DAY: "c.period",
    GroupBy.WEEK: "c.week",
    GroupBy.QUEUE: "c.queue",
    GroupBy.FLOW: "c.flow",
    GroupBy.REASON: "kinds.kind",
    GroupBy.AGENT: "c.agent",
    GroupBy.SUMMARISER: "c.summariser",
}


def by_agent(group_by: GroupBy, filters: ReportFilters) -> bool:
    return group_by is GroupBy.AGENT or bool(filters.agent)


@dataclass(frozen=True)
class CubePlan:
    """Where each part of a report's time range comes from."""

    months: Range | None  # month rows (agent_month on the agent path)
    weeks: tuple[Range, ...]  # week rows (agent_week), as Mondays
    days: tuple[Range, ...]  # day rows (none on the agent path)
    raw: tuple[tuple[datetime, datetime], ...]  # the rest from rating_facts
    # Facts taken away: the days of a week row (agent path) outside what it stands for.
    minus: tuple[tuple[datetime, datetime], ...] = ()


def cube_plan(group_by: GroupBy, filters: ReportFilters) -> CubePlan | None:
    """Where the cube's month, week and day rows answer, the plan; else None."""
    if by_agent(group_by, filters):
        return None
    parts = plan(filters.since, filters.until, months=group_by not in _TIME_GROUPS)
    if parts is None:
        return None
    if group_by is GroupBy.DAY:
        return CubePlan(parts.months, (), parts.days, parts.raw)
    weeks: list[Range] = []
    days: list[Range] = []
    for first, last in parts.days:  # whole weeks inside, as week rows
        inside = _whole_weeks(
            None if first is None else date.fromisoformat(first),
            None if last is None else date.fromisoformat(last),
        )
        if inside is None:
            days.append((first, last))
            continue
        weeks.append(_texts(inside))
        if first is not None and inside[0] is not None and first < inside[0].isoformat():
            days.append((first, inside[0].isoformat()))
        if last is not None and inside[1] is not None and inside[1].isoformat() < last:
            days.append((inside[1].isoformat(), last))
    return CubePlan(parts.months, tuple(weeks), tuple(days), parts.raw)


def _whole_weeks(first: date | None, last: date | None) -> tuple[date | None, date | None] | None:
    """The Mondays [from, to) of the whole ISO weeks in days [first, last) (None:
    unbounded); None when there are none."""
    monday = None if first is None else first + timedelta(days=-first.weekday() % 7)
    end = None if last is None else last - timedelta(days=last.weekday())
    if monday is not None and end is not None and monday >= end:
        return None
    return monday, end


def _texts(days: tuple[date | None, date | None]) -> Range:
    first, last = days
    return (
        None if first is None else first.isoformat(),
        None if last is None else last.isoformat(),
    )


def agent_plan(group_by: GroupBy, filters: ReportFilters) -> CubePlan | None:
    """Where the agent rows answer, the plan; else None."""
    if not by_agent(group_by, filters) or group_by is GroupBy.DAY:
        return None
    try:
        if group_by is GroupBy.WEEK:
            return _week_plan(filters.since, filters.until)
        return _agent_plan(filters.since, filters.until)
    except (OverflowError, ValueError):  # a range at the end of the calendar
        return None


def agent_grains(filters: ReportFilters) -> tuple[str, str]:
    """The (month, week) grains of the agent rows that answer these filters."""
    return AGENT_CHANNEL_GRAINS if filters.channel else AGENT_GRAINS


def _week_plan(since: datetime | None, until: datetime | None) -> CubePlan | None:
    """Whole ISO weeks, then the facts for the partial weeks at either end; None
    when the range holds no whole week."""
    since = None if since is None else since.astimezone(UTC)
    until = None if until is None else until.astimezone(UTC)
    inside = _whole_weeks(
        None if since is None else _day_at_or_after(since),
        None if until is None else until.date(),
    )
    if inside is None:
        return None
    monday, end = inside
    raw: list[tuple[datetime, datetime]] = []
    if since is not None and monday is not None and since < midnight(monday):
        raw.append((since, midnight(monday)))
    if until is not None and end is not None and midnight(end) < until:
        raw.append((midnight(end), until))
    return _fewer_facts(CubePlan(None, (_texts(inside),), (), tuple(raw)))


def _fewer_facts(parts: CubePlan) -> CubePlan:
    """A part of the range from the facts that is most of one ISO week (four days or
    more) comes instead from that week's row, less the facts of the week's other days
    (which other rows count, or are outside the range): fewer facts to read."""
    weeks = list(parts.weeks)
    raw: list[tuple[datetime, datetime]] = []
    minus: list[tuple[datetime, datetime]] = list(parts.minus)
    taken: set[date] = set()
    for start, end in parts.raw:
        monday = start.date() - timedelta(days=start.weekday())
        week = (midnight(monday), midnight(monday + timedelta(days=7)))
        if end > week[1] or end - start < timedelta(days=4) or monday in taken:
            raw.append((start, end))
            continue
        taken.add(monday)
        weeks.append(_texts((monday, monday + timedelta(days=7))))
        minus += [part for part in ((week[0], start), (end, week[1])) if part[0] < part[1]]
    return CubePlan(parts.months, tuple(weeks), parts.days, tuple(raw), tuple(minus))


def _agent_plan(since: datetime | None, until: datetime | None) -> CubePlan | None:
    """Whole UTC months, then whole ISO weeks in what is left, then the facts; None
    when the range holds neither a whole month nor a whole week."""
    since = None if since is None else since.astimezone(UTC)
    until = None if until is None else until.astimezone(UTC)
    month_from = None if since is None else _month_at_or_after(since)
    month_to = None if until is None else until.date().replace(day=1)
    months: Range | None = None
    rest: list[tuple[datetime, datetime]] = []
    if month_from is not None and month_to is not None and month_from >= month_to:
        if since is not None and until is not None and since < until:
            rest.append((since, until))
    else:
        months = (_month_text(month_from), _month_text(month_to))
        if since is not None and month_from is not None and since < midnight(month_from):
            rest.append((since, midnight(month_from)))
        if until is not None and month_to is not None and midnight(month_to) < until:
            rest.append((midnight(month_to), until))
    weeks: list[Range] = []
    raw: list[tuple[datetime, datetime]] = []
    for start, end in rest:
        inside = _whole_weeks(_day_at_or_after(start), end.date())
        monday, last = inside or (None, None)
        if monday is None or last is None:  # no whole week (both ends are dates here)
            raw.append((start, end))
            continue
        weeks.append(_texts((monday, last)))
        if start < midnight(monday):
            raw.append((start, midnight(monday)))
        if midnight(last) < end:
            raw.append((midnight(last), end))
    if months is None and not weeks:
        return None
    return _fewer_facts(CubePlan(months, tuple(weeks), (), tuple(raw)))


def _day_at_or_after(moment: datetime) -> date:
    day = moment.date()
    return day if moment == midnight(day) else day + timedelta(days=1)


def _month_at_or_after(moment: datetime) -> date:
    first = moment.date().replace(day=1)
    if moment == midnight(first):
        return first
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _month_text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()[:7]


def cube_report(
    tx: SqlTx, group_by: GroupBy, filters: ReportFilters, queues: frozenset[str] | None
) -> list[ReportRow] | None:
    """The report from the cube, or None when it needs the raw path."""
    parts = cube_plan(group_by, filters)
    grains = ("month", "week")
    if parts is None:
        parts = agent_plan(group_by, filters)
        grains = agent_grains(filters)
    if parts is None:
        return None
    rows = [(grains[0], parts.months)] if parts.months is not None else []
    rows += [(grains[1], weeks) for weeks in parts.weeks]
    rows += [("day", days) for days in parts.days]
    params: list[Any] = []
    branches = [
        _branch(grain, periods, group_by, filters, queues, params) for grain, periods in rows
    ]
    for since, until in parts.raw:
        branches.append(raw_branch(tx, group_by, filters, queues, since, until, params))
    for since, until in parts.minus:
        branches.append(
            raw_branch(tx, group_by, filters, queues, since, until, params, negated=True)
        )
    return summed(tx, group_by, branches, params)


def _branch(
    grain: str,
    periods: Range,
    group_by: GroupBy,
    filters: ReportFilters,
    queues: frozenset[str] | None,
    params: list[Any],
) -> str:
    conds = ["c.grain = ?"]
    params.append(grain)
    if periods[0] is not None:
        conds.append("c.period >= ?")
        params.append(periods[0])
    if periods[1] is not None:
        conds.append("c.period < ?")
        params.append(periods[1])
    if queues is not None:
        conds.append(sql_reports.in_list("c.queue", sorted(queues), params))
    for column, values in (
        ("c.channel", filters.channel),
        ("c.flow", filters.flow),
        ("c.summariser", filters.summariser),
        ("c.agent", filters.agent),
    ):
        if values:
            conds.append(sql_reports.in_list(column, sorted({str(v) for v in values}), params))
    if filters.reason:
        conds.append("(c.reason_mask & ?) <> 0")
        params.append(mask_of(filters.reason, REASON_BITS))
    source = "rating_cube c"
    if group_by is GroupBy.REASON:
        source += " CROSS JOIN kinds"
        conds.append("(c.reason_mask & kinds.bit) <> 0")
    # Week rows of every grain have the Monday as their period; day rows in `week`.
    key = "c.period" if group_by is GroupBy.WEEK and grain != "day" else _KEY[group_by]
    return (
        f"SELECT {key} AS key, {', '.join(f'c.{c}' for c in MEASURE_COLUMNS)} "  # noqa: S608
        f"FROM {source} WHERE {' AND '.join(conds)}"
    )
