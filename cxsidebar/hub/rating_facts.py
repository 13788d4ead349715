"""The `rating_facts` table: one narrow row per rating, what reports aggregate in SQL.

A rating's body stays in `ratings` as posted; its facts are the scores, flags and
timings as columns, plus the attributes of its escalation that reports filter and
group by (queue, channel, bot flow, reason kinds, the summariser of the rated
summary version). Lists of enum values are bit masks, so SQL sums them per bit;
the bits below are stored in databases and must never be renumbered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from cxsidebar.core import NO_SUMMARY, Problem, Rating, ReasonKind, Repeated

E = TypeVar("E", bound=StrEnum)

REASON_BITS: dict[ReasonKind, int] = {
    ReasonKind.NEGATIVE_SENTIMENT: 0,
    ReasonKind.MISUNDERSTOOD_INTENTS: 1,
    ReasonKind.KEYWORD: 2,
    ReasonKind.PAYMENT_THRESHOLD: 3,
    ReasonKind.SENSITIVE_TOPIC: 4,
    ReasonKind.CUSTOMER_REQUEST: 5,
    ReasonKind.BOT_FAILURE: 6,
    ReasonKind.OTHER: 7,
}
REPEATED_BITS: dict[Repeated, int] = {
    Repeated.ACCOUNT_ID: 0,
    Repeated.ORDER_NUMBER: 1,
    Repeated.ISSUE_DESCRIPTION: 2,
    Repeated.IDENTITY_VERIFICATION: 3,
    Repeated.OTHER: 4,
}
PROBLEM_BITS: dict[Problem, int] = {
    Problem.INACCURATE: 0,
    Problem.MISSING: 1,
    Problem.TOO_LONG: 2,
    Problem.IRRELEVANT: 3,
    Problem.OUTDATED: 4,
}
PARTS = ("transcript", "summary", "profile", "history")

FACT_COLUMNS = (
    "rating_id",
    "escalation_id",
    "agent",
    "created_at",  # the rating's
    "received_at",
    "day",  # UTC date of created_at, "YYYY-MM-DD"
    "week",  # the Monday of that date's ISO week
    "queue",
    "channel",
    "flow",
    "reason_mask",
    "summariser",
    "overall",
    *(f"part_{part}" for part in PARTS),
    "had_repeat",
    "repeated_mask",
    "problem_mask",
    "outcome",
    "first_action_ms",
    "rate_ms",
    "context_version",
    "summary_version",
    "supersedes",
    "current",  # 1: counted; 0: superseded by a later edit
)
_PLACEHOLDERS = ", ".join("?" * len(FACT_COLUMNS))
INSERT_FACTS = f"INSERT INTO rating_facts ({', '.join(FACT_COLUMNS)}) VALUES ({_PLACEHOLDERS})"  # noqa: S608 (constants)


def insert_facts_sql(rows: int) -> str:
    """INSERT_FACTS for `rows` rows in one statement."""
    values = ", ".join([f"({_PLACEHOLDERS})"] * rows)
    return f"INSERT INTO rating_facts ({', '.join(FACT_COLUMNS)}) VALUES {values}"  # noqa: S608


def mask_of(values: Iterable[E], bits: Mapping[E, int]) -> int:
    mask = 0
    for value in values:
        mask |= 1 << bits[value]
    return mask


def values_of(mask: int, bits: Mapping[E, int]) -> list[E]:
    """The values whose bit is set, in bit order."""
    return [value for value, bit in sorted(bits.items(), key=lambda kv: kv[1]) if mask >> bit & 1]


def day_and_week(moment: datetime) -> tuple[str, str]:
    day = moment.astimezone(UTC).date()
    return day.isoformat(), week_of(day).isoformat()


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def escalation_attributes(body: str) -> tuple[str, int]:
    """The bot flow and the reason-kind mask of an escalation's stored body."""
    data = json.loads(body)
    kinds = set()
    for reason in data.get("reasons", []):
        try:
            kinds.add(ReasonKind(reason.get("kind")))
        except ValueError:
            continue
    return str(data["bot"]["flow"]), mask_of(kinds, REASON_BITS)


def summariser_of(summary_json: str | None) -> str:
    if summary_json is None:
        return NO_SUMMARY
    return str(json.loads(summary_json).get("kind") or NO_SUMMARY)


def fact_values(
    rating: Rating,
    *,
    agent: str,
    queue: str,
    channel: str,
    flow: str,
    reason_mask: int,
    summariser: str,
    created_at: Any,
    received_at: Any,
    current: bool,
) -> list[Any]:
    """The row of `rating` in FACT_COLUMNS order; times already stamped for the backend."""
    day, week = day_and_week(rating.created_at)
    parts = rating.parts
    return [
        str(rating.id),
        rating.escalation_id,
        agent,
        created_at,
        received_at,
        day,
        week,
        queue,
        channel,
        flow,
        reason_mask,
        summariser,
        rating.overall,
        *(getattr(parts, part) for part in PARTS),
        int(rating.customer_repeated or bool(rating.repeated)),
        mask_of(rating.repeated, REPEATED_BITS),
        mask_of(rating.problems, PROBLEM_BITS),
        None if rating.outcome is None else rating.outcome.value,
        rating.first_action_ms,
        rating.rate_ms,
        rating.context_version,
        rating.summary_version,
        None if rating.supersedes is None else str(rating.supersedes),
        int(current),
    ]


def backfill_rows(
    ratings: Sequence[Mapping[str, Any]],
    escalations: Mapping[str, Mapping[str, Any]],
    summaries: Mapping[tuple[str, int], str],
    stamp: Any,
) -> list[list[Any]]:
    """Fact rows for ratings stored before migration 3.

    `ratings`: rows with id, escalation_id, agent, body, received_at; `escalations`:
    by id, rows with queue, channel, body; `summaries`: summary JSON by
    (escalation id, version). The newest rating of each (escalation, agent) is the
    current one; `stamp` turns a rating's created_at into the backend's time.
    """
    parsed = [(row, Rating.model_validate_json(row["body"])) for row in ratings]
    newest: dict[tuple[str, str], tuple[datetime, str, str]] = {}
    for row, rating in parsed:
        pair = (rating.escalation_id, row["agent"])
        rank = (rating.created_at, str(row["received_at"]), str(rating.id))
        if pair not in newest or rank > newest[pair]:
            newest[pair] = rank
    out = []
    for row, rating in parsed:
        escalation = escalations.get(rating.escalation_id)
        if escalation is None:
            continue
        flow, reason_mask = escalation_attributes(escalation["body"])
        version = rating.summary_version
        summary = None if version is None else summaries.get((rating.escalation_id, version))
        out.append(
            fact_values(
                rating,
                agent=row["agent"],
                queue=escalation["queue"],
                channel=escalation["channel"],
                flow=flow,
                reason_mask=reason_mask,
                summariser=summariser_of(summary),
                created_at=stamp(rating.created_at),
                received_at=row["received_at"],
                current=newest[(rating.escalation_id, row["agent"])][2] == str(rating.id),
            )
        )
    return out
