"""EventStream against a real uvicorn on 127.0.0.1: events, heartbeats, drops, restarts, 401."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cx_fakehub import ServedHub
from cx_support import LoopThread, RecordingListener, claim_info, queue_item

from cxsidebar.client import Backoff, EventStream, HubClient
from cxsidebar.core import ConnectionState, EventType, ResyncInfo, UpdatedInfo

LIVE = ConnectionState.LIVE


@contextmanager
def streaming(
    served: ServedHub,
    listener: RecordingListener,
    *,
    token: str | None = None,
    heartbeat: float = 1.0,
    base: float = 0.01,
    cap: float = 0.05,
    **options: Any,
) -> Iterator[tuple[LoopThread, list[EventStream]]]:
    """Run an EventStream on its own loop thread; cancelled and joined on exit."""
    streams: list[EventStream] = []

    async def main() -> None:
        client = HubClient(served.url, token or served.hub.token)
        try:
            stream = EventStream(
                client,
                listener,
                heartbeat=heartbeat,
                backoff=Backoff(base, cap, "equal", random.Random(1)),
                **options,
            )
            streams.append(stream)
            await stream.run()
        finally:
            await client.aclose()

    with LoopThread(main) as loop:
        yield loop, streams


def lives(listener: RecordingListener) -> int:
    return listener.states().count(LIVE)


def test_events_arrive_decoded_and_heartbeats_are_ignored(served: ServedHub) -> None:
    hub, listener = served.hub, RecordingListener()
    hub.open_items.append(queue_item("esc-0"))

    with streaming(served, listener, queues=["billing"]):
        listener.wait_until(lambda: lives(listener) == 1)
        assert listener.of("on_snapshot") == [([queue_item("esc-0")],)]
        assert listener.states() == [ConnectionState.CONNECTING, LIVE]
        hub.wait_until(lambda: hub.pings >= 3)  # heartbeats crossed the stream

        hub.publish("escalation.created", queue_item("esc-1"))
        hub.publish("escalation.claimed", claim_info("esc-1", "Sam"))
        hub.publish(
            "escalation.updated",
            UpdatedInfo(escalation_id="esc-1", queue="billing", what="summary"),
        )
        events = [args[0] for args in listener.wait_for_call("on_event", 3)]

    assert [(e.id, e.type) for e in events] == [
        (1, EventType.CREATED),
        (2, EventType.CLAIMED),
        (3, EventType.UPDATED),
    ]
    assert events[0].data == queue_item("esc-1")
    assert events[1].data == claim_info("esc-1", "Sam")
    assert all(e.received_at is not None for e in events)
    assert len(listener.of("on_event")) == 3  # nothing for the pings
    assert [(c.last_event_id, c.queues) for c in hub.connections] == [(None, ["billing"])]
    assert hub.list_calls == 1


def test_a_clean_eof_is_a_drop_and_the_stream_resumes_after_the_last_event(
    served: ServedHub,
) -> None:
    hub, listener = served.hub, RecordingListener()

    with streaming(served, listener) as (_, streams):
        listener.wait_until(lambda: lives(listener) == 1)
        hub.publish("escalation.created", queue_item("esc-1"))
        hub.publish("escalation.created", queue_item("esc-2"))
        listener.wait_for_call("on_event", 2)

        hub.drop()
        listener.wait_until(lambda: lives(listener) == 2)
        hub.publish("escalation.created", queue_item("esc-3"))
        events = [args[0] for args in listener.wait_for_call("on_event", 3)]
        assert streams[0].last_event_id == 3

    assert [c.last_event_id for c in hub.connections] == [None, "2"]
    assert [e.id for e in events] == [1, 2, 3]
    assert hub.list_calls == 1  # replay covered the gap: no new snapshot
    assert any(
        d.startswith("connection lost (the hub closed the stream), retrying in")
        for d in listener.details()
    )
    assert ConnectionState.RECONNECTING in listener.states()


def test_a_drop_before_any_event_takes_a_new_snapshot(served: ServedHub) -> None:
    hub, listener = served.hub, RecordingListener()

    with streaming(served, listener):
        listener.wait_until(lambda: lives(listener) == 1)
        hub.drop()
        listener.wait_until(lambda: lives(listener) == 2)

    assert [c.last_event_id for c in hub.connections] == [None, None]
    assert len(listener.of("on_snapshot")) == 2


def test_a_stopped_hub_goes_offline_and_the_restarted_one_replays(served: ServedHub) -> None:
    hub, listener = served.hub, RecordingListener()

    with streaming(served, listener, offline_after=3):
        listener.wait_until(lambda: lives(listener) == 1)
        hub.publish("escalation.created", queue_item("esc-1"))
        listener.wait_for_call("on_event", 1)

        served.stop()
        listener.wait_until(lambda: ConnectionState.OFFLINE in listener.states())
        hub.publish("escalation.created", queue_item("esc-2"))  # while the sidebar is away
        served.start()
        # A hub still shutting down may accept and close a stream or two first.
        listener.wait_until(
            lambda: listener.states()[-1] is LIVE and len(listener.of("on_event")) == 2
        )
        events = [args[0] for args in listener.of("on_event")]

    assert [e.id for e in events] == [1, 2]
    assert hub.connections[0].last_event_id is None
    assert hub.connections[-1].last_event_id == "1"
    # Usually "connection refused"; a hub still shutting down may answer otherwise first.
    assert any(
        d.startswith("hub unreachable: ") and ", retrying in " in d for d in listener.details()
    )
    states = listener.states()
    first_offline = states.index(ConnectionState.OFFLINE)
    assert states[first_offline - 2 : first_offline] == [ConnectionState.RECONNECTING] * 2
    assert states[-1] is LIVE


def test_a_refused_token_signs_out_and_stops(served: ServedHub) -> None:
    listener = RecordingListener()

    with streaming(served, listener, token="stolen") as (loop, _):
        assert loop.finished.wait(5), "the stream kept retrying after a 401"

    assert listener.states() == [ConnectionState.CONNECTING, ConnectionState.SIGNED_OUT]
    assert "unknown token" in listener.details()[-1]
    assert served.hub.list_calls == 0


def test_resync_fetches_the_open_escalations_again(served: ServedHub) -> None:
    hub, listener = served.hub, RecordingListener()
    hub.open_items.append(queue_item("esc-0"))

    with streaming(served, listener) as (_, streams):
        listener.wait_until(lambda: lives(listener) == 1)
        hub.open_items[:] = [queue_item("esc-7"), queue_item("esc-8")]
        hub.publish("resync", ResyncInfo(reason="history expired"))
        listener.wait_for_call("on_snapshot", 2)
        hub.publish("escalation.created", queue_item("esc-9"))
        (event,) = [args[0] for args in listener.wait_for_call("on_event", 1)]
        assert streams[0].last_event_id == 2

    assert listener.of("on_snapshot")[1] == ([queue_item("esc-7"), queue_item("esc-8")],)
    assert hub.list_calls == 2
    assert (event.id, event.type) == (2, EventType.CREATED)  # the resync itself is not an event


def test_a_silent_link_is_dropped_by_the_read_timeout(served: ServedHub) -> None:
    hub, listener = served.hub, RecordingListener()

    with streaming(served, listener, heartbeat=0.1) as (_, streams):  # watchdog: 0.3 s
        listener.wait_until(lambda: lives(listener) == 1)
        assert streams[0].read_timeout == pytest.approx(0.3)
        hub.silent = True
        listener.wait_until(lambda: ConnectionState.RECONNECTING in listener.states())
        hub.silent = False
        listener.wait_until(lambda: lives(listener) >= 2)

    assert any(
        d.startswith("connection lost (no data from the hub for 0.3 s)") for d in listener.details()
    )


def test_the_servers_retry_sets_the_reconnect_delay(served: ServedHub) -> None:
    hub, listener = served.hub, RecordingListener()
    hub.retry_ms = 20

    # Our own base is 30 s: only the server's `retry: 20` can make the reconnect this quick.
    with streaming(served, listener, base=30.0, cap=60.0) as (_, streams):
        listener.wait_until(lambda: lives(listener) == 1)
        hub.drop()
        listener.wait_until(lambda: lives(listener) == 2, timeout=5)
        assert streams[0].retry_hint == 0.02
