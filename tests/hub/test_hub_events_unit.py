"""The stream generator and its broker, in-process: wake-ups, endings, start positions."""

from __future__ import annotations

import threading

import anyio
import pytest
from support.hub import escalation_body

from cxsidebar.core import Escalation, ResyncInfo
from cxsidebar.hub import EventBroker, HubSettings
from cxsidebar.hub.events import event_stream, start_after
from cxsidebar.hub.storage import EventBounds

pytestmark = pytest.mark.anyio

SLOW_HEARTBEAT = HubSettings(heartbeat_seconds=30.0)


def accept(storage, escalation_id: str) -> int:
    body = Escalation.model_validate(escalation_body(escalation_id))
    return storage.accept_escalation(body, f"msg-{escalation_id}").event_id


@pytest.mark.parametrize(
    ("last_event_id", "expected"),
    [
        (None, (7, None)),
        ("", (7, None)),
        ("7", (7, None)),
        (" 5 ", (5, None)),
        ("2", (2, None)),
        ("1", (7, "events after 1 are no longer kept")),
        ("8", (7, "event 8 is unknown to this hub")),
        ("-1", (7, "event -1 is unknown to this hub")),
        ("abc", (7, "Last-Event-ID 'abc' is not an event id")),
    ],
)
def test_where_a_stream_starts(last_event_id, expected):
    assert start_after(EventBounds(oldest=3, newest=7), last_event_id) == expected


async def test_a_commit_in_another_thread_wakes_the_stream_at_once(storage):
    broker = EventBroker()
    storage.add_commit_listener(broker.notify)
    stream = event_stream(storage, broker, SLOW_HEARTBEAT, None, None)
    try:
        first = await anext(stream)
        assert first.retry == 2000
        writer = threading.Timer(0.05, accept, args=(storage, "esc-1"))
        writer.start()
        with anyio.fail_after(5):  # far less than the 30 s heartbeat
            event = await anext(stream)
        writer.join(5)
        assert event.event == "escalation.created"
        assert event.id == "1"
    finally:
        await stream.aclose()


async def test_closing_the_stream_unsubscribes(storage):
    broker = EventBroker()
    stream = event_stream(storage, broker, SLOW_HEARTBEAT, None, None)
    await anext(stream)
    assert len(broker) == 1
    await stream.aclose()
    assert len(broker) == 0


async def test_closing_the_broker_ends_every_stream(storage):
    broker = EventBroker()
    streams = [event_stream(storage, broker, SLOW_HEARTBEAT, None, None) for _ in range(3)]
    for stream in streams:
        await anext(stream)
    seen: list[list[object]] = []

    async def drain(stream) -> None:
        seen.append([item async for item in stream])

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for stream in streams:
                group.start_soon(drain, stream)
            await anyio.sleep(0.05)  # most streams are waiting by now; either way they end
            broker.close()
    # Each ends with the shutdown hint only: come back soon, elsewhere.
    assert [[(item.retry, item.comment) for item in items] for items in seen] == [
        [(HubSettings.shutdown_retry_ms, "shutting down")]
    ] * 3
    assert len(broker) == 0


async def test_a_long_backlog_is_replayed_in_batches_in_order(storage):
    ids = [accept(storage, f"esc-{n}") for n in range(7)]
    settings = HubSettings(heartbeat_seconds=30.0, event_batch_size=3)
    stream = event_stream(storage, EventBroker(), settings, None, "0")
    try:
        await anext(stream)  # retry
        with anyio.fail_after(5):
            replayed = [int((await anext(stream)).id) for _ in ids]
    finally:
        await stream.aclose()
    assert replayed == ids


async def test_a_ping_follows_silence(storage):
    stream = event_stream(storage, EventBroker(), HubSettings(heartbeat_seconds=0.05), None, None)
    try:
        await anext(stream)
        with anyio.fail_after(5):
            ping = await anext(stream)
    finally:
        await stream.aclose()
    assert ping.comment == "ping"
    assert ping.event is None


async def test_a_stream_too_far_behind_gets_a_resync_and_then_live_events(storage):
    ids = [accept(storage, f"esc-{n}") for n in range(7)]
    broker = EventBroker()
    storage.add_commit_listener(broker.notify)
    settings = HubSettings(heartbeat_seconds=30.0, event_batch_size=2, max_lag_events=3)
    stream = event_stream(storage, broker, settings, None, "0")  # 7 behind, 3 allowed
    try:
        await anext(stream)  # retry
        with anyio.fail_after(5):
            resync = await anext(stream)
            writer = threading.Timer(0.05, accept, args=(storage, "esc-live"))
            writer.start()
            live = await anext(stream)
        writer.join(5)
    finally:
        await stream.aclose()
    assert (resync.event, resync.id) == ("resync", str(ids[-1]))  # reconnecting from here is right
    assert "7 events behind (more than 3)" in ResyncInfo.model_validate_json(resync.raw_data).reason
    assert (live.event, int(live.id)) == ("escalation.created", ids[-1] + 1)


async def test_a_stream_within_the_lag_limit_replays_everything(storage):
    ids = [accept(storage, f"esc-{n}") for n in range(5)]
    settings = HubSettings(heartbeat_seconds=30.0, event_batch_size=2, max_lag_events=5)
    stream = event_stream(storage, EventBroker(), settings, None, "0")
    try:
        await anext(stream)
        with anyio.fail_after(5):
            replayed = [int((await anext(stream)).id) for _ in ids]
    finally:
        await stream.aclose()
    assert replayed == ids


async def test_events_pruned_while_a_stream_lagged_give_a_resync_not_a_silent_gap(storage):
    first, _, third = (accept(storage, f"esc-{n}") for n in range(3))
    stream = event_stream(storage, EventBroker(), SLOW_HEARTBEAT, None, str(first))
    try:
        await anext(stream)  # retry; the stream starts after `first`, which is replayable
        assert storage.prune_events(keep_last=1) == 2  # the second is gone before it was sent
        with anyio.fail_after(5):
            resync = await anext(stream)
    finally:
        await stream.aclose()
    assert (resync.event, resync.id) == ("resync", str(third))
    assert "no longer kept" in ResyncInfo.model_validate_json(resync.raw_data).reason


def test_the_lag_limit_is_checked():
    with pytest.raises(ValueError, match="max_lag_events"):
        HubSettings(max_lag_events=0)
