"""Ratings in SQLite: per-item results, idempotent per rating id and per Idempotency-Key.

Functions take a connection inside the caller's write transaction.
"""

from __future__ import annotations

from sqlite_utils import Database

from cxsidebar.core import Rating, RatingBatch, RatingBatchResult, RatingResult
from cxsidebar.hub.sqlite_pool import now_text, one
from cxsidebar.hub.storage import ConflictError, canonical_json, content_hash, sha256_text


def save_ratings(
    db: Database, agent: str, batch: RatingBatch, idempotency_key: str | None
) -> RatingBatchResult:
    request_hash = content_hash(batch)
    if idempotency_key is not None:
        seen = one(
            db,
            "SELECT request_hash, response FROM idempotency_keys WHERE agent = ? AND key = ?",
            [agent, idempotency_key],
        )
        if seen is not None:
            if seen["request_hash"] != request_hash:
                raise ConflictError("this Idempotency-Key was already used for a different request")
            return RatingBatchResult.model_validate_json(seen["response"])
    answer = RatingBatchResult(results=[save_rating(db, agent, r) for r in batch.ratings])
    if idempotency_key is not None:
        db.execute(
            "INSERT INTO idempotency_keys (agent, key, request_hash, response, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [agent, idempotency_key, request_hash, answer.model_dump_json(), now_text()],
        )
    return answer


def save_rating(db: Database, agent: str, rating: Rating) -> RatingResult:
    body = canonical_json(rating)
    body_hash = sha256_text(body)
    existing = one(db, "SELECT agent, body_hash FROM ratings WHERE id = ?", [str(rating.id)])
    if existing is not None:
        if existing["body_hash"] == body_hash and existing["agent"] == agent:
            return RatingResult(id=rating.id, status="duplicate")
        return RatingResult(
            id=rating.id, status="rejected", reason="a different rating already has this id"
        )
    if one(db, "SELECT 1 FROM escalations WHERE id = ?", [rating.escalation_id]) is None:
        return RatingResult(
            id=rating.id, status="rejected", reason=f"unknown escalation {rating.escalation_id!r}"
        )
    db.execute(
        "INSERT INTO ratings (id, escalation_id, agent, body, body_hash, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [str(rating.id), rating.escalation_id, agent, body, body_hash, now_text()],
    )
    return RatingResult(id=rating.id, status="created")
