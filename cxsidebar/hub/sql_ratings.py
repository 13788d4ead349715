"""Ratings: per-item results, idempotent per rating id and per Idempotency-Key.

Functions take a connection inside the caller's write transaction.
"""

from __future__ import annotations

from typing import Any

from cxsidebar.core import Rating, RatingBatch, RatingBatchResult, RatingResult
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


def save_rating(tx: SqlTx, agent: str, rating: Rating, now: Any) -> RatingResult:
    body = canonical_json(rating)
    body_hash = sha256_text(body)
    existing = tx.one("SELECT agent, body_hash FROM ratings WHERE id = ?", [str(rating.id)])
    if existing is not None:
        if existing["body_hash"] == body_hash and existing["agent"] == agent:
            return RatingResult(id=rating.id, status="duplicate")
        return RatingResult(
            id=rating.id, status="rejected", reason="a different rating already has this id"
        )
    if tx.one("SELECT 1 AS found FROM escalations WHERE id = ?", [rating.escalation_id]) is None:
        return RatingResult(
            id=rating.id, status="rejected", reason=f"unknown escalation {rating.escalation_id!r}"
        )
    tx.execute(
        "INSERT INTO ratings (id, escalation_id, agent, body, body_hash, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [str(rating.id), rating.escalation_id, agent, body, body_hash, now],
    )
    return RatingResult(id=rating.id, status="created")
