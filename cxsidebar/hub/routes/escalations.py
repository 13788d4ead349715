"""Escalations: bots post them (signed), sidebars list, fetch and claim them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from cxsidebar.core import (
    ClaimInfo,
    EscalationAccepted,
    EscalationContext,
    EscalationStatus,
)
from cxsidebar.hub.auth import Agent, StorageDep, visible_queues
from cxsidebar.hub.errors import HubError, error_responses
from cxsidebar.hub.intake import accept_signed
from cxsidebar.hub.schemas import QueueList
from cxsidebar.hub.scoping import check_visible
from cxsidebar.hub.sql_rating_list import versioned
from cxsidebar.hub.storage import AlreadyClaimedError, HubStorage, UnknownEscalationError
from cxsidebar.hub.summary_jobs import context_viewed, summarise_later

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])

# The body is read raw (the signature covers the exact bytes), so FastAPI
# cannot infer it; this documents it in /openapi.json. `create_app` adds the
# Escalation schema to the components.
ESCALATION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Escalation"}}},
    },
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": description,
        }
        for name, description in (
            ("webhook-id", "The delivery's id; a retry reuses it."),
            ("webhook-timestamp", "Unix seconds; at most 5 minutes off the hub's clock."),
            ("webhook-signature", "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`"),
        )
    ],
}


@router.post(
    "",
    status_code=202,
    summary="Escalate a conversation (bots, signed)",
    openapi_extra=ESCALATION_BODY,
    responses=error_responses(401, 409, 413, 422, 429),
)
async def post_escalation(request: Request, storage: StorageDep) -> EscalationAccepted:
    """Answered after the escalation and its event are committed."""
    body = await request.body()  # capped by BodyLimitMiddleware before any parsing
    state = request.app.state
    accepted = await run_in_threadpool(
        accept_signed, storage, state.settings, body, request.headers, limiter=state.intake_limiter
    )
    summarise_later(request.app, accepted.id)
    return accepted


@router.get(
    "",
    summary="List escalations, oldest first",
    responses=error_responses(401, 403, 422),
)
def list_escalations(
    agent: Agent,
    storage: StorageDep,
    status: EscalationStatus | None = None,
    queue: Annotated[list[str] | None, Query()] = None,
) -> QueueList:
    queues = visible_queues(agent, queue or ())
    return QueueList(items=storage.list_escalations(status, queues))


@router.get(
    "/{escalation_id}",
    summary="Everything an agent sees for one escalation",
    response_model=EscalationContext,
    responses=error_responses(401, 403, 404, 422),
)
def get_escalation(
    escalation_id: str,
    agent: Agent,
    storage: StorageDep,
    request: Request,
    background: BackgroundTasks,
) -> Response:
    context = storage.get_context(escalation_id)
    check_visible(agent, escalation_id, context.escalation.queue if context else None)
    assert context is not None  # an unknown escalation is a 404, like a hidden one
    # Versioned, so a rating can name what it judged (reports drill down); the snapshot
    # of that version is written after the answer went out (`after_view`).
    served = versioned(context)
    background.add_task(after_view, request.app, storage, served)
    # Serialised once, by its own model: FastAPI would dump, validate and dump it again.
    return Response(served.model_dump_json(), media_type="application/json")


async def after_view(app: FastAPI, storage: HubStorage, served: EscalationContext) -> None:
    """A sidebar has the context: a held summary may start, and the snapshot is stored."""
    context_viewed(app, served.escalation.id)
    await run_in_threadpool(storage.record_context, served)


@router.post(
    "/{escalation_id}/claim",
    summary="Claim an escalation; the first agent wins",
    responses=error_responses(401, 403, 404, 409, 422),
)
def claim_escalation(escalation_id: str, agent: Agent, storage: StorageDep) -> ClaimInfo:
    check_visible(agent, escalation_id, storage.escalation_queue(escalation_id))
    try:
        return storage.claim(escalation_id, agent.name)
    except UnknownEscalationError as error:
        raise HubError(404, str(error)) from None
    except AlreadyClaimedError as error:
        raise HubError(
            409,
            f"{error.claim.claimed_by} claimed this escalation first",
            code="already_claimed",
            claimed_by=error.claim.claimed_by,
        ) from None
