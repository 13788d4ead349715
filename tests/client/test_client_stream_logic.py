"""EventStream's decisions, scripted with httpx.MockTransport (the wire tests use uvicorn)."""

from __future__ import annotations

import asyncio

import httpx
from cx_support import RecordingListener, queue_item

from cxsidebar.client import Backoff, EventStream, HubClient
from cxsidebar.core import ConnectionState, EventType

SSE = {"content-type": "text/event-stream"}


def test_a_scripted_stream_snapshots_skips_junk_resumes_and_signs_out() -> None:
    created = queue_item("esc-5").model_dump_json()
    first_body = (
        "retry: 250\n\n"
        ": ping\n\n"
        'event: resync\ndata: {"reason": "expired"}\n\n'  # no id: still a resync
        f"id: 5\nevent: escalation.created\ndata: {created}\n\n"
        "id: 6\nevent: escalation.archived\ndata: {}\n\n"  # a type v1 does not know
        'id: 7\nevent: escalation.claimed\ndata: {"escalation_id": 1}\n\n'  # bad data
    )
    requests: list[httpx.Request] = []
    listener = RecordingListener()
    delays: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path == "/v1/me":
            return httpx.Response(200, json={"name": "Ana", "role": "agent", "queues": []})
        if request.url.path == "/v1/escalations":
            return httpx.Response(
                200, json={"items": [queue_item("esc-1").model_dump(mode="json")]}
            )
        if len([r for r in requests if r.url.path == "/v1/events"]) == 1:
            return httpx.Response(200, headers=SSE, content=first_body.encode())
        return httpx.Response(403, json={"error": {"code": "forbidden", "message": "no role"}})

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    async def main() -> EventStream:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            stream = EventStream(
                HubClient("http://hub.test", "tok", http=http),
                listener,
                backoff=Backoff(1.0, 60.0, "equal"),
                sleep=fake_sleep,
            )
            await asyncio.wait_for(stream.run(), 5)  # ends by itself on the 403
            return stream

    stream = asyncio.run(main())

    assert [args[0].name for args in listener.of("on_identity")] == ["Ana"]  # once, first
    events = [args[0] for args in listener.of("on_event")]
    assert [(e.id, e.type) for e in events] == [(5, EventType.CREATED)]
    assert len(listener.of("on_snapshot")) == 2  # the first connect and the resync
    assert stream.last_event_id == 7  # junk with an id still moves the resume point
    assert stream.retry_hint == 0.25
    assert listener.states() == [
        ConnectionState.CONNECTING,
        ConnectionState.LIVE,
        ConnectionState.RECONNECTING,
        ConnectionState.SIGNED_OUT,
    ]
    assert listener.details()[2].startswith("connection lost (the hub closed the stream), retrying")
    assert listener.details()[3] == "signed out: the hub refused the token (403: no role)"
    assert len(delays) == 1
    assert 0.125 <= delays[0] <= 0.25  # equal jitter around the server's retry
    event_requests = [r for r in requests if r.url.path == "/v1/events"]
    assert "last-event-id" not in event_requests[0].headers
    assert event_requests[1].headers["last-event-id"] == "7"


def test_failures_turn_reconnecting_into_offline() -> None:
    listener = RecordingListener()
    delays: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if len(delays) < 4:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "bye"}})

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            stream = EventStream(
                HubClient("http://hub.test", "tok", http=http),
                listener,
                backoff=Backoff(1.0, 4.0, "equal"),
                offline_after=3,
                sleep=fake_sleep,
            )
            await asyncio.wait_for(stream.run(), 5)

    asyncio.run(main())
    assert listener.states() == [
        ConnectionState.CONNECTING,
        ConnectionState.RECONNECTING,
        ConnectionState.RECONNECTING,
        ConnectionState.OFFLINE,
        ConnectionState.OFFLINE,
        ConnectionState.SIGNED_OUT,
    ]
    ceilings = [1.0, 2.0, 4.0, 4.0]  # doubling up to the cap
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert listener.details()[3].startswith("hub unreachable: connection refused, retrying in ")
