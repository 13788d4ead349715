"""The direct fan-out, in-process with a stand-in transport: live events are written
once framed as chunks, queues filter, a slow client leaves live mode without losing
events, ephemeral events and shutdown still come through the stream's own loop."""

from __future__ import annotations

import asyncio
import re
import threading

import anyio
import pytest
from support.hub import escalation_body

from cxsidebar.core import Escalation, EventType
from cxsidebar.hub import EventBroker, HubSettings
from cxsidebar.hub.events import event_stream
from cxsidebar.hub.fanout import SLOW_BUFFER_BYTES

pytestmark = pytest.mark.anyio

SETTINGS = HubSettings(heartbeat_seconds=30.0)


class Transport:
    """What the fan-out needs of a transport; records what was written."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closing = False
        self.buffered = 0
        self.written = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.data += data
        self.written.set()

    async def until(self, condition) -> None:
        """Wait (at most 5 s) until `condition()` holds, checking after each write."""
        with anyio.fail_after(5):
            while not condition():
                self.written.clear()
                await self.written.wait()

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def ids(self) -> list[int]:
        return [int(n) for n in re.findall(rb"id: (\d+)\n", bytes(self.data))]


def accept(storage, escalation_id: str, queue: str = "billing") -> int:
    body = Escalation.model_validate(escalation_body(escalation_id, queue=queue))
    return storage.accept_escalation(body, f"msg-{escalation_id}").event_id


async def post(storage, escalation_id: str, queue: str = "billing") -> int:
    return await anyio.to_thread.run_sync(accept, storage, escalation_id, queue)


async def live_stream(storage, broker, transport, queues=None):
    stream = event_stream(storage, broker, SETTINGS, queues, None, None, transport)
    assert (await anext(stream)).retry == SETTINGS.sse_retry_ms
    return stream


async def until_live(broker, count: int) -> None:
    """Wait until `count` streams are in live mode (their tasks run meanwhile)."""
    with anyio.fail_after(5):
        while broker.live_streams() < count:  # noqa: ASYNC110 (yields to the streams' tasks)
            await asyncio.sleep(0)


async def test_live_events_are_written_to_the_transport_as_chunks(storage):
    broker = EventBroker()
    storage.add_commit_listener(broker.notify)
    billing, vip = Transport(), Transport()
    streams = [
        await live_stream(storage, broker, billing, frozenset({"billing"})),
        await live_stream(storage, broker, vip, frozenset({"vip"})),
    ]
    waiting = [asyncio_task(stream) for stream in streams]
    await until_live(broker, 2)
    try:
        first = await post(storage, "esc-1")
        second = await post(storage, "esc-2", queue="vip")
        third = await post(storage, "esc-3")
        await billing.until(lambda: len(billing.ids()) == 2)
        await vip.until(lambda: len(vip.ids()) == 1)
        assert billing.ids() == [first, third]
        assert vip.ids() == [second]
        chunk = rb"[0-9a-f]+\r\n(?:(?:event|data|id): [^\n]*\n)+\n\r\n"
        assert re.fullmatch(rb"(?:%s)+" % chunk, bytes(billing.data))
        assert not any(task.done() for task in waiting)  # nothing went through the streams
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        for stream in streams:
            await stream.aclose()


async def test_a_slow_client_leaves_live_mode_and_misses_nothing(storage):
    broker = EventBroker()
    storage.add_commit_listener(broker.notify)
    transport = Transport()
    stream = await live_stream(storage, broker, transport)
    try:
        pending = asyncio_task(stream)
        await until_live(broker, 1)
        first = await post(storage, "esc-1")
        await transport.until(lambda: transport.ids() == [first])
        transport.buffered = SLOW_BUFFER_BYTES + 1  # the client stops reading
        second = await post(storage, "esc-2")
        await transport.until(lambda: transport.ids() == [first, second])
        third = await post(storage, "esc-3")  # after it left: through the stream itself
        with anyio.fail_after(5):
            item = await pending
        assert (item.event, int(item.id)) == (EventType.CREATED.value, third)
        assert transport.ids() == [first, second]
    finally:
        await stream.aclose()


async def test_ephemeral_events_and_shutdown_come_through_the_stream(storage):
    broker = EventBroker()
    transport = Transport()
    stream = await live_stream(storage, broker, transport)
    try:
        pending = asyncio_task(stream)
        await until_live(broker, 1)
        threading.Thread(
            target=broker.publish,
            args=(EventType.SUMMARY_PROGRESS, "billing", "esc-1", '{"text": "…"}'),
        ).start()
        with anyio.fail_after(5):
            item = await pending
        assert item.event == EventType.SUMMARY_PROGRESS.value
        pending = asyncio_task(stream)
        await until_live(broker, 1)
        broker.close()
        with anyio.fail_after(5):
            item = await pending
        assert (item.comment, item.retry) == ("shutting down", SETTINGS.shutdown_retry_ms)
    finally:
        await stream.aclose()


def asyncio_task(stream) -> asyncio.Future:
    """The stream's next item, awaited in the background."""
    return asyncio.ensure_future(anext(stream))


async def test_a_commit_that_finds_the_wake_up_scheduled_still_reaches_live_streams(storage):
    """The wake-up carries rows read before the second commit: the fan-out must read
    the table once more, not wait for the next commit or the heartbeat."""
    broker = EventBroker()
    transport = Transport()
    stream = await live_stream(storage, broker, transport)
    pending = asyncio_task(stream)
    try:
        await until_live(broker, 1)
        first = accept(storage, "esc-1")
        broker.notify()  # prefetches esc-1 and schedules the loop's wake-up (not run yet)
        second = accept(storage, "esc-2")
        broker.notify()  # finds that wake-up scheduled
        await transport.until(lambda: transport.ids() == [first, second])
        assert not pending.done()  # written by the fan-out, not the stream's own loop
    finally:
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        await stream.aclose()
