"""Queue scoping of one escalation: a token limited to some queues sees, claims and rates
only escalations in them.

An escalation in another queue is answered exactly like an unknown one (404, or a rating
rejected as of an unknown escalation), so a scoped token learns nothing about queues it
may not see, not even that an id exists.
"""

from __future__ import annotations

from cxsidebar.core import RatingBatch, RatingBatchResult, RatingResult
from cxsidebar.hub.errors import HubError
from cxsidebar.hub.storage import HubStorage, TokenInfo


def unknown_escalation(escalation_id: str) -> HubError:
    return HubError(404, f"no escalation has the id {escalation_id!r}")


def check_visible(agent: TokenInfo, escalation_id: str, queue: str | None) -> str:
    """`queue` (the escalation's, None when unknown) if `agent` may see it; else the 404
    of an unknown escalation."""
    if queue is None or (agent.queues and queue not in agent.queues):
        raise unknown_escalation(escalation_id)
    return queue


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
