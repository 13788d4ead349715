"""Ratings: per-item results, idempotent per rating id and per Idempotency-Key.

One current rating per (escalation, agent). A rating whose `supersedes` names the
current one replaces it: both are kept, only the newest is counted (its
`rating_facts.current` is 1). Functions take a connection inside the caller's
write transaction.
"""

from __future__ import annotations

from typing import Any

from cxsidebar.core import Rating, RatingBatch, RatingBatchResult, RatingResult
from cxsidebar.hub.rating_facts import (
    INSERT_FACTS,
    escalation_attributes,
    fact_values,
    summariser_of,
)
from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.storage import ConflictError, canonical_json, content_hash, sha256_text


def save_ratings(
    tx: SqlTx, agent: str, batch: RatingBatch, idempotency_key: str | None, now: Any
) -> RatingBatchResult:
    """`now`: the time to record, as the backend stores times."""
    request_hash = content_hash(batch)
    if idempotency_key is not None:
        seen = tx.one(
            "SELECT request_hash, response FROM idempotency_keys WHERE agent = ? AND key = ?",
            [agent, idempotency_key],
        )
        if seen is not None:
            if seen["request_hash"] != request_hash:
                raise ConflictError("this Idempotency-Key was already used for a different request")
            return RatingBatchResult.model_validate_json(seen["response"])
    answer = RatingBatchResult(results=[save_rating(tx, agent, r, now) for r in batch.ratings])
    if idempotency_key is not None:
        tx.execute(
            "INSERT INTO idempotency_keys (agent, key, request_hash, response, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [agent, idempotency_key, request_hash, answer.model_dump_json(), now],
        )
    return answer


def _rejected(rating: Rating, reason: str) -> RatingResult:
    return RatingResult(id=rating.id, status="rejected", reason=reason)


def save_rating(tx: SqlTx, agent: str, rating: Rating, now: Any) -> RatingResult:
    body = canonical_json(rating)
    body_hash = sha256_text(body)
    existing = tx.one("SELECT agent, body_hash FROM ratings WHERE id = ?", [str(rating.id)])
    if existing is not None:
        if existing["body_hash"] == body_hash and existing["agent"] == agent:
            return RatingResult(id=rating.id, status="duplicate")
        return _rejected(rating, "a different rating already has this id")
    escalation = tx.one(
        "SELECT queue, channel, body FROM escalations WHERE id = ?", [rating.escalation_id]
    )
    if escalation is None:
        return _rejected(rating, f"unknown escalation {rating.escalation_id!r}")
    current = tx.one(
        "SELECT rating_id FROM rating_facts WHERE escalation_id = ? AND agent = ? AND current = 1",
        [rating.escalation_id, agent],
    )
    current_id = None if current is None else str(current["rating_id"])
    if rating.supersedes is None and current_id is not None:
        return _rejected(
            rating,
            f"escalation {rating.escalation_id!r} already has your rating {current_id}; "
            "an edit must name it in supersedes",
        )
    if rating.supersedes is not None and str(rating.supersedes) != current_id:
        return _rejected(rating, _why_not_supersedable(tx, agent, rating, current_id))
    if current_id is not None:
        tx.execute("UPDATE rating_facts SET current = 0 WHERE rating_id = ?", [current_id])
    tx.execute(
        "INSERT INTO ratings (id, escalation_id, agent, body, body_hash, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [str(rating.id), rating.escalation_id, agent, body, body_hash, now],
    )
    flow, reason_mask = escalation_attributes(escalation["body"])
    summary = None
    if rating.summary_version is not None:
        summary = tx.one(
            "SELECT summary FROM summary_versions WHERE escalation_id = ? AND version = ?",
            [rating.escalation_id, rating.summary_version],
        )
    values = fact_values(
        rating,
        agent=agent,
        queue=escalation["queue"],
        channel=escalation["channel"],
        flow=flow,
        reason_mask=reason_mask,
        summariser=summariser_of(None if summary is None else summary["summary"]),
        created_at=tx.stamp(rating.created_at),
        received_at=now,
        current=True,
    )
    tx.execute(INSERT_FACTS, values)
    return RatingResult(id=rating.id, status="created")


def _why_not_supersedable(tx: SqlTx, agent: str, rating: Rating, current_id: str | None) -> str:
    named = str(rating.supersedes)
    row = tx.one("SELECT escalation_id, agent FROM rating_facts WHERE rating_id = ?", [named])
    if row is None:
        return f"supersedes names an unknown rating {named}"
    if row["agent"] != agent or row["escalation_id"] != rating.escalation_id:
        return f"supersedes names rating {named}, which is not yours for this escalation"
    return f"rating {named} was already superseded; the current one is {current_id}"
