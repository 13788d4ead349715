"""Ratings as CSV for spreadsheets, with formula injection neutralised.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and
some also after a leading tab or carriage return), so such cells get a leading
`'`, which spreadsheets show as text (the OWASP advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from cxsidebar.core import RatingListItem

COLUMNS = (
    "id",
    "created_at",
    "received_at",
    "escalation_id",
    "agent",
    "queue",
    "channel",
    "flow",
    "reasons",
    "summariser",
    "overall",
    "transcript",
    "summary",
    "profile",
    "history",
    "customer_repeated",
    "repeated",
    "problems",
    "outcome",
    "first_action_ms",
    "rate_ms",
    "context_version",
    "summary_version",
    "supersedes",
    "current",
    "comment",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    return str(value)


def csv_row(item: RatingListItem) -> list[str]:
    rating = item.rating
    values: list[Any] = [
        rating.id,
        rating.created_at.isoformat(),
        item.received_at.isoformat(),
        rating.escalation_id,
        item.agent,
        item.queue,
        item.channel,
        item.flow,
        [kind.value for kind in item.reasons],
        item.summariser,
        rating.overall,
        rating.parts.transcript,
        rating.parts.summary,
        rating.parts.profile,
        rating.parts.history,
        rating.customer_repeated,
        [what.value for what in rating.repeated],
        [problem.value for problem in rating.problems],
        None if rating.outcome is None else rating.outcome.value,
        rating.first_action_ms,
        rating.rate_ms,
        rating.context_version,
        rating.summary_version,
        rating.supersedes,
        item.current,
        rating.comment,
    ]
    return [neutralise(_text(value)) for value in values]


def csv_lines(items: Iterable[RatingListItem]) -> Iterator[str]:
    """The header line, then one line per item (CRLF line ends, as RFC 4180 has them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield take()
    for item in items:
        writer.writerow(csv_row(item))
        yield take()
