"""Context-quality reports for supervisors: the answers of the hub's report endpoints.

`GET /v1/reports/context-quality` answers a `QualityReport`, `GET /v1/ratings` a
`RatingPage` of `RatingListItem`s, `GET /v1/ratings/{id}/context` a `RatedContext`.
Only current ratings count: a rating superseded by an edit is kept but not counted.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from ._model import (
    EscalationContext,
    Problem,
    Rating,
    ReasonKind,
    Repeated,
    _Frozen,
)

Share = Annotated[float, Field(ge=0, le=1)]
Mean = Annotated[float, Field(ge=1, le=5)]

NO_SUMMARY = "none"  # the summariser kind of a rating that judged no summary


class GroupBy(StrEnum):
    """How a report groups ratings into rows."""

    DAY = "day"  # key: the UTC date of the rating, e.g. "2026-11-26"
    WEEK = "week"  # key: the Monday (UTC) that starts the rating's ISO week, e.g. "2026-11-23"
    QUEUE = "queue"
    FLOW = "flow"  # the bot flow that escalated
    REASON = "reason"  # a rating counts once for each distinct reason kind of its escalation
    AGENT = "agent"
    SUMMARISER = "summariser"  # the kind of the summary version rated, or "none"


class ReportFilters(_Frozen):
    """What a report or rating list was asked for; empty lists do not filter.

    Several values of one filter match any of them; different filters must all match.
    """

    since: AwareDatetime | None = None  # rating created_at >= since
    until: AwareDatetime | None = None  # rating created_at < until
    queue: list[str] = Field(default_factory=list)
    flow: list[str] = Field(default_factory=list)
    reason: list[ReasonKind] = Field(default_factory=list)  # the escalation has any of them
    agent: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    summariser: list[str] = Field(default_factory=list)  # "extractive", "llm", "none", ...


class PartMeans(_Frozen):
    """The mean score of each part; None when no rating in the row scored it."""

    transcript: Mean | None = None
    summary: Mean | None = None
    profile: Mean | None = None
    history: Mean | None = None


class ProblemCount(_Frozen):
    problem: Problem
    count: Annotated[int, Field(ge=1)]


class ReportRow(_Frozen):
    """One group of current ratings."""

    key: str  # the group's value (see GroupBy), stable for sorting and filtering
    label: str  # for people, e.g. "Week of 2026-11-23"
    ratings: Annotated[int, Field(ge=1)]
    mean_overall: Mean
    distribution: Annotated[list[int], Field(min_length=5, max_length=5)]  # counts of 1..5
    parts: PartMeans
    repeated_share: Share  # share of ratings where the agent had to ask again
    repeated: dict[Repeated, int]  # how often each item had to be asked again (every item)
    top_problems: list[ProblemCount]  # most frequent first; problems never named are left out
    median_first_action_ms: float | None = None  # over ratings that recorded it
    with_outcome: Annotated[int, Field(ge=0)] = 0  # ratings whose contact has an outcome
    fcr_share: Share | None = None  # resolved / with_outcome; None when with_outcome is 0


class QualityReport(_Frozen):
    """The answer of `GET /v1/reports/context-quality`."""

    group_by: GroupBy
    filters: ReportFilters
    rows: list[ReportRow]  # by key, ascending (days and weeks oldest first)
    generated_at: AwareDatetime
    # True when the rows' median_first_action_ms is estimated from the hub's rollups
    # (a histogram: within 19 %); False when it is the exact median of the ratings.
    median_estimated: bool = False


class RatingListItem(_Frozen):
    """One rating with the escalation attributes reports filter by."""

    rating: Rating
    agent: str
    queue: str
    channel: str
    flow: str
    reasons: list[ReasonKind]
    summariser: str  # the kind of the summary version rated, or "none"
    received_at: AwareDatetime
    current: bool = True  # False once a later rating superseded it


class RatingPage(_Frozen):
    """The answer of `GET /v1/ratings`: newest first; `next_cursor` fetches the next page."""

    items: list[RatingListItem]
    next_cursor: str | None = None


class RatedContext(_Frozen):
    """The answer of `GET /v1/ratings/{id}/context`: what the agent judged.

    `context` is the context as served when the agent rated it, with `summary`
    set to the summary version the rating names; None when the rating named no
    context version or the hub has no snapshot of it (e.g. purged).
    """

    item: RatingListItem
    context: EscalationContext | None = None
    context_version: str | None = None
    summary_version: int | None = None
