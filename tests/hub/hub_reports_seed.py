"""A small, fixed set of escalations, summaries and ratings for the report tests, and a
plain-Python reference of the report, so every filter and grouping can be checked
against numbers computed another way."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from support.hub import escalation_body

from cxsidebar.core import (
    GroupBy,
    Problem,
    Rating,
    Repeated,
    ReportFilters,
    Summary,
)


@dataclass(frozen=True)
class Esc:
    id: str
    queue: str
    channel: str
    flow: str
    reasons: tuple[str, ...]
    summaries: tuple[str, ...] = ()  # the kinds of versions 1, 2, ...


ESCALATIONS = (
    Esc("e1", "billing", "chat", "refund", ("payment_threshold",), ("extractive",)),
    Esc("e2", "billing", "voice", "refund", ("negative_sentiment", "keyword"), ("llm",)),
    Esc("e3", "tech", "chat", "router", ("bot_failure",), ("extractive", "llm")),
    Esc("e4", "tech", "chat", "router", ()),
    Esc("e5", "tech", "voice", "password", ("keyword", "keyword")),
)
BY_ID = {e.id: e for e in ESCALATIONS}


@dataclass(frozen=True)
class Seeded:
    agent: str
    rating: Rating
    counted: bool = True


def _rating(escalation_id: str, at: str, overall: int, **fields: Any) -> Rating:
    return Rating(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"{escalation_id}/{at}"),  # the same in every call
        escalation_id=escalation_id,
        created_at=datetime.fromisoformat(at),
        overall=overall,
        **fields,
    )


def ratings() -> list[Seeded]:
    """In posting order; the first e4 rating is superseded by the second."""
    first_e4 = _rating(
        "e4", "2026-11-10T09:00:00+00:00", 1, outcome="transferred", first_action_ms=5000
    )
    return [
        Seeded(
            "Alice",
            _rating(
                "e1",
                "2026-11-02T10:00:00+00:00",
                5,
                parts={"transcript": 5, "summary": 4},
                summary_version=1,
                outcome="resolved",
                first_action_ms=1000,
            ),
        ),
        Seeded(
            "Bob",
            _rating(
                "e1",
                "2026-11-03T23:30:00-02:00",  # 2026-11-04 in UTC
                3,
                parts={"transcript": 2, "profile": 3},
                customer_repeated=True,
                repeated=["account_id"],
                problems=["missing"],
                outcome="follow_up",
                first_action_ms=3000,
                summary_version=1,
            ),
        ),
        Seeded(
            "Alice",
            _rating(
                "e2",
                "2026-11-09T08:00:00+00:00",
                2,
                parts={"summary": 1, "history": 2},
                customer_repeated=True,
                repeated=["order_number", "account_id"],
                problems=["inaccurate", "missing"],
                outcome="resolved",
                first_action_ms=2000,
                summary_version=1,
                comment='=HYPERLINK("http://evil")',
            ),
        ),
        Seeded(
            "Bob",
            _rating(
                "e3",
                "2026-11-10T12:00:00+00:00",
                4,
                problems=["too_long"],
                summary_version=2,
                comment="+1 -2 @x",
            ),
        ),
        Seeded("Alice", first_e4, counted=False),
        Seeded(
            "Alice",
            _rating(
                "e4",
                "2026-11-11T09:00:00+00:00",
                2,
                problems=["outdated", "missing"],
                outcome="transferred",
                first_action_ms=4000,
                supersedes=first_e4.id,
            ),
        ),
        Seeded(
            "Carol",
            _rating(
                "e5",
                "2026-11-16T09:00:00+00:00",
                4,
                parts={"transcript": 4, "summary": 5, "profile": 5, "history": 4},
                repeated=["issue_description"],
                outcome="resolved",
                first_action_ms=1500,
            ),
        ),
    ]


def summary(kind: str) -> Summary:
    return Summary(kind=kind, text=f"a {kind} summary")


def body(esc: Esc) -> dict[str, Any]:
    return escalation_body(
        esc.id,
        queue=esc.queue,
        channel=esc.channel,
        bot={"platform": "test-bot", "flow": esc.flow},
        reasons=[{"kind": kind} for kind in esc.reasons],
    )


# -- the reference -----------------------------------------------------------


@dataclass
class Expected:
    ratings: int = 0
    overall: list[int] = field(default_factory=list)
    parts: dict[str, list[int]] = field(default_factory=dict)
    repeats: int = 0
    repeated: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    first_action: list[int] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)


def summariser(seeded: Seeded) -> str:
    version = seeded.rating.summary_version
    kinds = BY_ID[seeded.rating.escalation_id].summaries
    return "none" if version is None else kinds[version - 1]


def keys(seeded: Seeded, group_by: GroupBy) -> list[str]:
    r = seeded.rating
    esc = BY_ID[r.escalation_id]
    day = r.created_at.astimezone(UTC).date()
    return {
        GroupBy.DAY: [day.isoformat()],
        GroupBy.WEEK: [(day - timedelta(days=day.weekday())).isoformat()],
        GroupBy.QUEUE: [esc.queue],
        GroupBy.FLOW: [esc.flow],
        GroupBy.REASON: sorted(set(esc.reasons)),
        GroupBy.AGENT: [seeded.agent],
        GroupBy.SUMMARISER: [summariser(seeded)],
    }[group_by]


def matches(seeded: Seeded, filters: ReportFilters) -> bool:
    r = seeded.rating
    esc = BY_ID[r.escalation_id]
    checks = [
        filters.since is None or r.created_at >= filters.since,
        filters.until is None or r.created_at < filters.until,
        not filters.queue or esc.queue in filters.queue,
        not filters.flow or esc.flow in filters.flow,
        not filters.reason or bool({k.value for k in filters.reason} & set(esc.reasons)),
        not filters.agent or seeded.agent in filters.agent,
        not filters.channel or esc.channel in filters.channel,
        not filters.summariser or summariser(seeded) in filters.summariser,
    ]
    return all(checks)


def expected_rows(group_by: GroupBy, filters: ReportFilters) -> dict[str, dict[str, Any]]:
    groups: dict[str, Expected] = {}
    for seeded in ratings():
        if not seeded.counted or not matches(seeded, filters):
            continue
        r = seeded.rating
        for key in keys(seeded, group_by):
            g = groups.setdefault(key, Expected())
            g.ratings += 1
            g.overall.append(r.overall)
            for part in ("transcript", "summary", "profile", "history"):
                score = getattr(r.parts, part)
                if score is not None:
                    g.parts.setdefault(part, []).append(score)
            g.repeats += int(r.customer_repeated or bool(r.repeated))
            g.repeated.update(x.value for x in r.repeated)
            g.problems.update(p.value for p in r.problems)
            if r.first_action_ms is not None:
                g.first_action.append(r.first_action_ms)
            if r.outcome is not None:
                g.outcomes.append(r.outcome.value)
    out = {}
    for key, g in sorted(groups.items()):
        with_outcome = len(g.outcomes)
        out[key] = {
            "ratings": g.ratings,
            "mean_overall": statistics.mean(g.overall),
            "distribution": [g.overall.count(s) for s in range(1, 6)],
            "parts": {
                p: (statistics.mean(g.parts[p]) if p in g.parts else None)
                for p in ("transcript", "summary", "profile", "history")
            },
            "repeated_share": g.repeats / g.ratings,
            "repeated": {x.value: g.repeated[x.value] for x in Repeated},
            "problems": {p.value: g.problems[p.value] for p in Problem if g.problems[p.value]},
            "median_first_action_ms": (
                statistics.median(g.first_action) if g.first_action else None
            ),
            "with_outcome": with_outcome,
            "fcr_share": g.outcomes.count("resolved") / with_outcome if with_outcome else None,
        }
    return out
