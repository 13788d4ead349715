"""`GET /v1/events`: the Server-Sent Events stream.

The stream is written as bytes: an event from the shared tail carries its wire
bytes, made once for every subscriber (live_tail.py); FastAPI's per-item SSE
machinery (a producer task and two memory streams per connection) is not used.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import ServerSentEvent, format_sse_event
from starlette.responses import StreamingResponse

from cxsidebar.hub.auth import Agent, StorageDep, visible_queues
from cxsidebar.hub.errors import error_responses
from cxsidebar.hub.events import event_stream
from cxsidebar.hub.fanout import TRANSPORT_SCOPE_KEY
from cxsidebar.hub.live_tail import EncodedEvent

router = APIRouter(tags=["events"])

SSE_FIELDS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`retry:` once, then events and `: ping` heartbeats",
        "content": {"text/event-stream": {"itemSchema": SSE_FIELDS}},
    }
}


def stream_queues(
    agent: Agent, queue: Annotated[list[str] | None, Query()] = None
) -> frozenset[str] | None:
    # A dependency, so a 401/403 is answered before the stream's 200 starts.
    return visible_queues(agent, queue or ())


def wire(item: ServerSentEvent) -> bytes:
    if isinstance(item, EncodedEvent):
        return item.wire
    return format_sse_event(
        data_str=item.raw_data, event=item.event, id=item.id, retry=item.retry, comment=item.comment
    )


async def _encoded(items: AsyncGenerator[ServerSentEvent]) -> AsyncIterator[bytes]:
    try:
        async for item in items:
            yield wire(item)
    finally:
        await items.aclose()  # unsubscribes at once when the client has gone


@router.get(
    "/v1/events",
    summary="Stream escalation events",
    response_class=StreamingResponse,
    responses={**STREAM_RESPONSE, **error_responses(401, 403, 422)},
)
async def stream_events(
    request: Request,
    storage: StorageDep,
    queues: Annotated[frozenset[str] | None, Depends(stream_queues)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """`retry:` once, then `escalation.*` and `resync` events, with `: ping` heartbeats."""
    state = request.app.state
    # The server's transport, for the direct fan-out (fanout.py); HTTP/1.1 only, as the
    # fan-out frames chunks itself.
    transport = request.scope.get(TRANSPORT_SCOPE_KEY)
    if request.scope.get("http_version") != "1.1" or not state.settings.direct_fanout:
        transport = None
    items = event_stream(
        storage, state.broker, state.settings, queues, last_event_id, state.metrics, transport
    )
    return StreamingResponse(
        _encoded(items),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
