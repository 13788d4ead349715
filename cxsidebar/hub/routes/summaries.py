"""`POST /v1/escalations/{id}/summary` (regenerate) and `GET /v1/escalations/{id}/summaries`."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from pydantic import BaseModel

from cxsidebar.core import Summary
from cxsidebar.hub.auth import Agent, StorageDep
from cxsidebar.hub.errors import HubError, error_responses
from cxsidebar.hub.scoping import check_visible
from cxsidebar.hub.storage import HubStorage
from cxsidebar.hub.summary_jobs import SummaryJobs

router = APIRouter(prefix="/v1/escalations", tags=["summaries"])


class SummaryQueued(BaseModel):
    escalation_id: str
    status: str = "queued"


class SummaryVersions(BaseModel):
    items: list[Summary]


def _visible(storage: HubStorage, agent: Agent, escalation_id: str) -> None:
    check_visible(agent, escalation_id, storage.escalation_queue(escalation_id))


@router.post(
    "/{escalation_id}/summary",
    status_code=202,
    summary="Make a new summary version (rate-limited per escalation)",
    responses=error_responses(401, 403, 404, 422, 429, 503),
)
def regenerate_summary(
    escalation_id: str, agent: Agent, storage: StorageDep, request: Request
) -> SummaryQueued:
    _visible(storage, agent, escalation_id)
    jobs: SummaryJobs | None = getattr(request.app.state, "summaries", None)
    if jobs is None:
        raise HubError(503, "this hub does not make summaries (it runs with --no-summaries)")
    wait = jobs.regenerate(escalation_id)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise HubError(
            429,
            f"a summary of this escalation was asked for moments ago; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    return SummaryQueued(escalation_id=escalation_id)


@router.get(
    "/{escalation_id}/summaries",
    summary="Every summary version of an escalation, oldest first",
    responses=error_responses(401, 403, 404, 422),
)
def list_summaries(escalation_id: str, agent: Agent, storage: StorageDep) -> SummaryVersions:
    _visible(storage, agent, escalation_id)
    return SummaryVersions(items=storage.summary_versions(escalation_id))
