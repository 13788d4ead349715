"""Direct fan-out: live events written to every caught-up stream by one task.

A stream that has caught up with the live tail hands its connection to its
loop's `Fanout` and waits. When events commit, the fan-out task reads them
once (from the `LiveTail`), frames each once as an HTTP chunk, and writes the
bytes to every live connection's transport: no coroutine resumes per
subscriber. A stream leaves live mode, and goes back to its own loop in
events.py, when its client reads too slowly (the transport's buffer passes
`SLOW_BUFFER_BYTES`), when an ephemeral event or the heartbeat is due, or when
the broker closes.

The transport comes from the ASGI server (`server.expose_transport` puts
uvicorn's into the scope); without one (in-process tests) streams never go
live and work as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from cxsidebar.hub.live_tail import LiveTail

log = logging.getLogger(__name__)

TRANSPORT_SCOPE_KEY = "cxsidebar.transport"
SLOW_BUFFER_BYTES = 256 * 1024  # queued for one client: past this it leaves live mode
ROUND_EVENTS = 500  # events read from the tail per step of a round


def chunk(data: bytes) -> bytes:
    """`data` framed as one chunk of `Transfer-Encoding: chunked`."""
    return b"%x\r\n%s\r\n" % (len(data), data)


class Leave(Enum):
    SLOW = "slow"  # the client reads too slowly: catch up through the stream's own loop
    WAKE = "wake"  # an ephemeral event or the heartbeat: the stream has work of its own
    CLOSED = "closed"  # the broker closed (shutdown)
    GONE = "gone"  # the connection closed


@dataclass(eq=False)
class LiveStream:
    """One stream in live mode: where it is, what it sees, and how it is written."""

    transport: asyncio.WriteTransport
    queues: frozenset[str] | None
    after: int  # the id up to which it has everything meant for it
    left: asyncio.Future[Leave] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    last_write: float = 0.0  # time.monotonic() of its latest live write; 0.0: none yet

    def leave(self, reason: Leave) -> None:
        if not self.left.done():
            self.left.set_result(reason)


class Fanout:
    """The live streams of one event loop and the task that writes to them."""

    def __init__(
        self, tail: LiveTail, *, on_delivered: Callable[[int, float], None] | None = None
    ) -> None:
        self._tail = tail
        self._live: set[LiveStream] = set()
        self._position = 0  # the tail id every live stream has been written up to
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.on_delivered = on_delivered  # (deliveries, commit time) per fan-out round
        self.last_commit = 0.0

    def __len__(self) -> int:
        return len(self._live)

    def join(
        self, transport: asyncio.WriteTransport, queues: frozenset[str] | None, after: int
    ) -> LiveStream | None:
        """Go live at `after`; None when the stream is not caught up with the tail yet
        (it reads once more itself) or the fan-out is closed."""
        if self._closed or transport.is_closing():
            return None
        if transport.get_write_buffer_size() > SLOW_BUFFER_BYTES // 4:
            return None  # still draining: the stream's own loop waits for the client
        if self._task is None:  # started by the first stream; reads the tail from then on
            self._position = self._tail.newest
            self._task = asyncio.ensure_future(self._run())
        if after != self._position or self._tail.newest != self._position:
            return None
        stream = LiveStream(transport, queues, after)
        self._live.add(stream)
        return stream

    def release(self, stream: LiveStream, reason: Leave) -> None:
        """Take `stream` out of live mode (it has everything up to the fan-out's position)."""
        if stream in self._live:
            self._live.discard(stream)
            stream.after = self._position
        stream.leave(reason)

    def release_all(self, reason: Leave) -> None:
        for stream in list(self._live):
            self.release(stream, reason)

    def committed(self, at: float) -> None:
        self.last_commit = at
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self.release_all(Leave.CLOSED)
        self._wake.set()

    async def _run(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._round()
            except Exception:  # the streams catch up on their own; the task stays
                log.exception("a fan-out round failed")
                self.release_all(Leave.SLOW)

    async def _round(self) -> None:
        """Read what committed (once, into the shared tail) and write it to every live
        stream, until caught up."""
        commit = self.last_commit
        while not self._closed:
            found = await self._tail.after(self._position, None, ROUND_EVENTS, max_lag=1 << 62)
            if found is None:  # the tail's window moved past the fan-out: everyone catches up
                self.release_all(Leave.SLOW)
                self._position = self._tail.newest
                return
            events, covered = found
            delivered = 0
            now = time.monotonic()
            for event in events:
                framed, queue = chunk(event.sse.wire), event.queue
                for stream in list(self._live):  # the hot loop: no coroutine, no await
                    seen = stream.queues
                    if queue is not None and seen is not None and queue not in seen:
                        continue
                    delivered += self._write(stream, framed, event.id, now)
            self._position = covered
            for stream in self._live:
                stream.after = covered
            if delivered and self.on_delivered is not None:
                self.on_delivered(delivered, commit)
            if len(events) < ROUND_EVENTS and self._tail.up_to_date:
                return  # else: more rows, or commits the tail has yet to read

    def _write(self, stream: LiveStream, framed: bytes, event_id: int, now: float) -> int:
        transport = stream.transport
        if transport.is_closing():
            self._live.discard(stream)
            stream.after = event_id - 1
            stream.leave(Leave.GONE)
            return 0
        try:
            transport.write(framed)
        except RuntimeError:  # closed between the check and the write
            return 0
        stream.last_write = now
        if transport.get_write_buffer_size() > SLOW_BUFFER_BYTES:
            self._live.discard(stream)
            stream.after = event_id
            stream.leave(Leave.SLOW)
        return 1
