"""`POST /v1/ratings`: agents' verdicts on the context, idempotent per rating id."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Header, Request

from cxsidebar.core import RatingBatch, RatingBatchResult
from cxsidebar.hub.auth import Agent, StorageDep
from cxsidebar.hub.errors import HubError, error_responses
from cxsidebar.hub.metrics import metrics_of
from cxsidebar.hub.scoping import save_scoped_ratings
from cxsidebar.hub.storage import ConflictError

router = APIRouter(prefix="/v1/ratings", tags=["ratings"])


@router.post(
    "",
    summary="Store a batch of ratings",
    responses=error_responses(401, 403, 409, 413, 422),
)
def post_ratings(
    request: Request,
    batch: RatingBatch,
    agent: Agent,
    storage: StorageDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> RatingBatchResult:
    """One result per rating, in order. The agent is the token's name."""
    try:
        result = save_scoped_ratings(storage, agent, batch, idempotency_key)  # scoping.py
    except ConflictError as error:
        raise HubError(409, str(error)) from None
    counter = metrics_of(request).ratings
    for status, count in Counter(item.status for item in result.results).items():
        counter.labels(status).inc(count)
    return result
