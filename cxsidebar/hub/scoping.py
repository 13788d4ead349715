"""Queue scoping of ratings: a token limited to some queues rates only escalations in them.

A rating of an escalation in another queue is rejected exactly like one of an unknown
escalation, so a scoped token learns nothing about queues it may not see.
"""

from __future__ import annotations

from cxsidebar.core import RatingBatch, RatingBatchResult, RatingResult
from cxsidebar.hub.storage import HubStorage, TokenInfo


def save_scoped_ratings(
    storage: HubStorage, agent: TokenInfo, batch: RatingBatch, idempotency_key: str | None
) -> RatingBatchResult:
    """`storage.save_ratings` for the ratings `agent` may give; the others rejected, in order."""
    if not agent.queues:
        return storage.save_ratings(agent.name, batch, idempotency_key)
    hidden = {
        rating.escalation_id
        for rating in batch.ratings
        if (queue := storage.escalation_queue(rating.escalation_id)) is not None
        and queue not in agent.queues
    }
    if not hidden:
        return storage.save_ratings(agent.name, batch, idempotency_key)
    allowed = [rating for rating in batch.ratings if rating.escalation_id not in hidden]
    saved = iter(
        storage.save_ratings(agent.name, RatingBatch(ratings=allowed), idempotency_key).results
        if allowed
        else ()
    )
    return RatingBatchResult(
        results=[
            RatingResult(
                id=rating.id,
                status="rejected",
                reason=f"unknown escalation {rating.escalation_id!r}",
            )
            if rating.escalation_id in hidden
            else next(saved)
            for rating in batch.ratings
        ]
    )
