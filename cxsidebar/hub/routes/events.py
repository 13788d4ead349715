"""`GET /v1/events`: the Server-Sent Events stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from cxsidebar.hub.auth import Agent, StorageDep, visible_queues
from cxsidebar.hub.errors import error_responses
from cxsidebar.hub.events import event_stream

router = APIRouter(tags=["events"])


def stream_queues(
    agent: Agent, queue: Annotated[list[str] | None, Query()] = None
) -> frozenset[str] | None:
    # A dependency, so a 401/403 is answered before the stream's 200 starts.
    return visible_queues(agent, queue or ())


@router.get(
    "/v1/events",
    response_class=EventSourceResponse,
    summary="Stream escalation events",
    responses=error_responses(401, 403, 422),
)
async def stream_events(
    request: Request,
    storage: StorageDep,
    queues: Annotated[frozenset[str] | None, Depends(stream_queues)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> AsyncIterator[ServerSentEvent]:
    """`retry:` once, then `escalation.*` and `resync` events, with `: ping` heartbeats."""
    state = request.app.state
    async for item in event_stream(storage, state.broker, state.settings, queues, last_event_id):
        yield item
