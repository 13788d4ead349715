"""Ratings as supervisors list them, the contexts they judged, and context snapshots.

The list is newest first by the rating's created_at, then by id, with a keyset
cursor (the last item's created_at and id, base64url JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxsidebar.core import (
    EscalationContext,
    RatedContext,
    Rating,
    RatingListItem,
    RatingPage,
    Summary,
)
from cxsidebar.hub.rating_facts import REASON_BITS, values_of
from cxsidebar.hub.sql_reports import Where
from cxsidebar.hub.sql_tx import SqlEngine, SqlTx
from cxsidebar.hub.storage import canonical_json, content_hash

_SELECT = (
    "SELECT f.rating_id, f.agent, f.queue, f.channel, f.flow, f.reason_mask, f.summariser, "
    "f.created_at, f.received_at, f.current, r.body "
    "FROM rating_facts f JOIN ratings r ON r.id = f.rating_id"
)


class CursorError(ValueError):
    """A `cursor` that this hub did not hand out."""


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the item with this created_at and id."""

    created_at: datetime
    rating_id: str

    def encode(self) -> str:
        data = json.dumps([self.created_at.isoformat(), self.rating_id]).encode()
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            moment, rating_id = json.loads(raw)
            created_at = datetime.fromisoformat(moment)
            uuid.UUID(rating_id)
            if created_at.tzinfo is None:
                raise ValueError("no offset")
            created_at = created_at.astimezone(UTC)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
            raise CursorError("not a cursor this hub handed out") from None
        return cls(created_at, rating_id)


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def list_item(row: dict[str, Any]) -> RatingListItem:
    return RatingListItem(
        rating=Rating.model_validate_json(row["body"]),
        agent=row["agent"],
        queue=row["queue"],
        channel=row["channel"],
        flow=row["flow"],
        reasons=values_of(int(row["reason_mask"]), REASON_BITS),
        summariser=row["summariser"],
        received_at=_moment(row["received_at"]),
        current=bool(row["current"]),
    )


def rating_page(tx: SqlTx, clause: Where, cursor: Cursor | None, limit: int) -> RatingPage:
    sql = f"{_SELECT} WHERE {clause.sql}"
    params = list(clause.params)
    if cursor is not None:
        sql += " AND (f.created_at < ? OR (f.created_at = ? AND f.rating_id < ?))"
        at = tx.stamp(cursor.created_at)
        params += [at, at, cursor.rating_id]
    sql += " ORDER BY f.created_at DESC, f.rating_id DESC LIMIT ?"
    rows = tx.rows(sql, [*params, limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = Cursor(_moment(last["created_at"]), str(last["rating_id"])).encode()
    return RatingPage(items=[list_item(row) for row in rows], next_cursor=next_cursor)


def rated_context(
    engine: SqlEngine, rating_id: uuid.UUID, queues: frozenset[str] | None
) -> RatedContext | None:
    """What the agent judged; None if no rating has that id or its queue is not visible."""
    with engine.reading() as tx:
        row = tx.one(f"{_SELECT} WHERE f.rating_id = ?", [str(rating_id)])
        if row is None or (queues is not None and row["queue"] not in queues):
            return None
        item = list_item(row)
        rating = item.rating
        snapshot = None
        if rating.context_version is not None:
            snapshot = tx.one(
                "SELECT context FROM context_snapshots WHERE version = ? AND escalation_id = ?",
                [rating.context_version, rating.escalation_id],
            )
        summary = None
        if rating.summary_version is not None:
            summary = tx.one(
                "SELECT summary FROM summary_versions WHERE escalation_id = ? AND version = ?",
                [rating.escalation_id, rating.summary_version],
            )
    context = None
    if snapshot is not None:
        served = EscalationContext.model_validate_json(snapshot["context"])
        shown = None if summary is None else Summary.model_validate_json(summary["summary"])
        context = served.model_copy(update={"summary": shown})
    return RatedContext(
        item=item,
        context=context,
        context_version=rating.context_version,
        summary_version=rating.summary_version,
    )


def context_version(context: EscalationContext) -> str:
    """A content hash of what the agent is shown apart from the summary."""
    return content_hash(
        {
            "escalation": context.escalation.model_dump(mode="json"),
            "profile": None if context.profile is None else context.profile.model_dump(mode="json"),
            "history": [item.model_dump(mode="json") for item in context.history],
        }
    )


def versioned(context: EscalationContext) -> EscalationContext:
    """`context` with its `context_version` filled in."""
    return context.model_copy(update={"context_version": context_version(context)})


def record_context(
    engine: SqlEngine, context: EscalationContext, now: datetime
) -> EscalationContext:
    """`context` with its version filled in; its snapshot is stored once per version.

    A context that has its version already (`versioned`, when the snapshot is written
    after the answer went out) is stored under it, without hashing it again."""
    served = context if context.context_version is not None else versioned(context)
    version = served.context_version
    with engine.connection() as tx:
        known = tx.one("SELECT 1 AS found FROM context_snapshots WHERE version = ?", [version])
    if known is None:
        snapshot = canonical_json(served.model_copy(update={"summary": None}))
        with engine.writing() as tx:
            tx.execute(
                "INSERT INTO context_snapshots (version, escalation_id, context, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (version) DO NOTHING",
                [version, served.escalation.id, snapshot, tx.stamp(now)],
            )
    return served
