"""The sidebar's stream decodes `summary.progress` (ephemeral, no id) for its listener,
and the hub's broker hands ephemeral events to streams without storing them."""

from __future__ import annotations

import asyncio

import httpx

from cxsidebar.client import Backoff, EventStream, HubClient
from cxsidebar.client._listener import GuardedListener
from cxsidebar.core import (
    ConnectionState,
    EventType,
    HubEvent,
    Identity,
    QueueItem,
    SummaryProgress,
    decode_event,
)
from cxsidebar.hub.events import MAX_EPHEMERAL, EventBroker

SSE = {"content-type": "text/event-stream"}
PROGRESS = SummaryProgress(escalation_id="esc-1", queue="billing", version=2, text="Issue:\n- A")
LATER = PROGRESS.model_copy(update={"text": "B"})
UPDATED = '{"escalation_id": "esc-1", "queue": "billing", "what": "summary"}'


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        self.calls.append(("connection", state))

    def on_identity(self, identity: Identity) -> None:
        self.calls.append(("identity", identity.name))

    def on_snapshot(self, items: list[QueueItem]) -> None:
        self.calls.append(("snapshot", len(items)))

    def on_event(self, event: HubEvent) -> None:
        self.calls.append(("event", (event.id, event.type)))

    def on_summary_progress(self, progress: SummaryProgress) -> None:
        self.calls.append(("progress", progress))


def test_progress_reaches_the_listener_and_never_moves_the_resume_point():
    body = (
        f"id: 7\nevent: escalation.updated\ndata: {UPDATED}\n\n"
        f"event: summary.progress\ndata: {PROGRESS.model_dump_json()}\n\n"
        'event: summary.progress\ndata: {"escalation_id": 1}\n\n'  # bad data: skipped
        f"event: summary.progress\ndata: {LATER.model_dump_json()}\n\n"
    )
    listener = Recorder()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        if request.url.path == "/v1/me":
            return httpx.Response(200, json={"name": "Ana", "role": "agent", "queues": []})
        if request.url.path == "/v1/escalations":
            return httpx.Response(200, json={"items": []})
        calls += 1
        if calls == 1:
            return httpx.Response(200, headers=SSE, content=body.encode())
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "no"}})

    async def no_sleep(seconds: float) -> None:
        pass

    async def main() -> EventStream:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            stream = EventStream(
                HubClient("http://hub.test", "tok", http=http),
                listener,
                backoff=Backoff(1.0, 60.0, "equal"),
                sleep=no_sleep,
            )
            await asyncio.wait_for(stream.run(), 5)  # ends by itself on the 401
            return stream

    stream = asyncio.run(main())
    assert stream.last_event_id == 7
    progress = [p for kind, p in listener.calls if kind == "progress"]
    assert progress == [PROGRESS, LATER]
    assert [p for kind, p in listener.calls if kind == "event"] == [(7, EventType.UPDATED)]


def test_a_listener_without_the_method_does_not_break_the_worker(caplog):
    class Old:
        pass

    GuardedListener(Old()).on_summary_progress(PROGRESS)  # type: ignore[arg-type]
    assert "on_summary_progress" in caplog.text


def test_the_broker_keeps_the_latest_per_key_bounded_and_sends_to_every_stream():
    async def main() -> tuple[list[str], list[str], int]:
        broker = EventBroker()
        with broker.subscribe() as first, broker.subscribe() as second:
            for n in range(3):
                broker.publish(EventType.SUMMARY_PROGRESS, "billing", "esc-1", f"a{n}")
            broker.publish(EventType.SUMMARY_PROGRESS, "billing", "esc-2", "b")
            assert await first.wait(5)
            one = [i.data for i in first.take_ephemeral()]
            two = [i.data for i in second.take_ephemeral()]
            for n in range(MAX_EPHEMERAL + 10):
                broker.publish(EventType.SUMMARY_PROGRESS, "q", f"esc-{n}", "x")
            await asyncio.sleep(0)  # let the loop run the queued pushes
            return one, two, len(first.take_ephemeral())

    one, two, many = asyncio.run(main())
    assert one == ["a2", "b"]
    assert two == ["a2", "b"]
    assert many == MAX_EPHEMERAL


def test_core_decodes_progress_like_any_event():
    event = decode_event(0, "summary.progress", PROGRESS.model_dump_json())
    assert event.type is EventType.SUMMARY_PROGRESS
    assert event.data == PROGRESS
