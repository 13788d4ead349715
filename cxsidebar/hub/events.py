"""The live event stream: a notifier that wakes streams, and the stream itself.

The events table is the source of truth. Each stream replays the rows after
the last id it sent, then sleeps on its `Subscription` until the storage
reports a commit (or the heartbeat is due), then reads the table again. A
later PostgreSQL backend wakes streams the same way, by calling
`EventBroker.notify` from its LISTEN thread.

Ephemeral events (`EventBroker.publish`, e.g. `summary.progress`) bypass the
table: they go, without an id, to the streams of this process connected now.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from types import TracebackType

from anyio import to_thread
from fastapi.sse import ServerSentEvent

from cxsidebar.core import EventType, ResyncInfo
from cxsidebar.hub.fanout import Fanout, Leave, LiveStream
from cxsidebar.hub.live_tail import LiveTail
from cxsidebar.hub.metrics import HubMetrics
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.storage import EventBounds, HubStorage, StoredEvent

log = logging.getLogger(__name__)


MAX_EPHEMERAL = 256  # per stream: a slow client holds at most this many, the latest per key


@dataclass(frozen=True)
class Ephemeral:
    """An event for the streams connected now, without an id: never stored or replayed
    (e.g. `summary.progress`). A newer one with the same `key` replaces an unsent one."""

    kind: EventType
    queue: str
    key: str
    data: str


class Subscription:
    """One stream's wake-up flag, owned by the event loop that created it."""

    def __init__(self, broker: EventBroker) -> None:
        self._broker = broker
        self._loop = asyncio.get_running_loop()
        self._woken = False
        self._waiter: asyncio.Future[bool] | None = None
        self._ephemeral: dict[str, Ephemeral] = {}  # touched on the loop's thread only
        self.leave_live: Callable[[], None] | None = None  # set while in live mode (fanout.py)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def wake(self) -> None:
        """Thread-safe."""
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(self.wake_on_loop)

    def wake_on_loop(self) -> None:
        """Call on the subscription's loop (the broker does, once per commit for all)."""
        self._woken = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    def clear(self) -> None:
        self._woken = False

    def push(self, item: Ephemeral) -> None:
        """Thread-safe: queue an ephemeral event and wake the stream."""
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(self._push, item)

    def _push(self, item: Ephemeral) -> None:
        self._ephemeral.pop(item.key, None)
        self._ephemeral[item.key] = item
        if len(self._ephemeral) > MAX_EPHEMERAL:
            del self._ephemeral[next(iter(self._ephemeral))]
        if self.leave_live is not None:
            self.leave_live()  # the stream sends it itself, then goes live again
        self.wake_on_loop()

    def take_ephemeral(self) -> list[Ephemeral]:
        """The queued ephemeral events, oldest first; call on the loop's thread."""
        items = list(self._ephemeral.values())
        self._ephemeral.clear()
        return items

    async def wait(self, seconds: float) -> bool:
        """True if woken, False if `seconds` passed first."""
        # One bare future and one timer: thousands of streams wait at once, so no task
        # per wait (and not asyncio.wait_for: on Python 3.11 a cancel that lands as its
        # timeout fires comes out as TimeoutError, and the stream would outlive its client).
        if self._woken:
            return True
        waiter: asyncio.Future[bool] = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_later(seconds, _time_out, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._broker.unsubscribe(self)


def _time_out(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class EventBroker:
    """Wakes every subscribed stream when events were committed; `notify` is thread-safe."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        # Per event loop (one in a server): its streams, its tail, whether a wake-up
        # is scheduled; so a commit costs one cross-thread call per loop, not per stream.
        self._loops: dict[asyncio.AbstractEventLoop, set[Subscription]] = {}
        self._tails: dict[asyncio.AbstractEventLoop, LiveTail] = {}
        self._fanouts: dict[asyncio.AbstractEventLoop, Fanout] = {}
        self._scheduled: set[asyncio.AbstractEventLoop] = set()
        # Scheduled loops that missed a commit meanwhile: their wake-up's prefetch may
        # predate it, so it does not count as a read of the table (`_wake_loop`).
        self._missed: set[asyncio.AbstractEventLoop] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.last_commit = 0.0  # wall-clock time of the latest notify: when events committed

    @property
    def closed(self) -> bool:
        return self._closed

    def subscribe(self) -> Subscription:
        """Call from the event loop the stream runs on."""
        subscription = Subscription(self)
        with self._lock:
            self._subscriptions.add(subscription)
            self._loops.setdefault(subscription.loop, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)
            on_loop = self._loops.get(subscription.loop)
            if on_loop is not None:
                on_loop.discard(subscription)
                if not on_loop:
                    del self._loops[subscription.loop]
                    self._tails.pop(subscription.loop, None)
                    fanout = self._fanouts.pop(subscription.loop, None)
                    if fanout is not None:
                        fanout.close()

    def tail(self, storage: HubStorage, settings: HubSettings) -> LiveTail:
        """The shared tail of the running loop's streams."""
        loop = asyncio.get_running_loop()
        with self._lock:
            tail = self._tails.get(loop)
            if tail is None:
                tail = self._tails[loop] = LiveTail(
                    storage, batch=settings.event_batch_size, stale_after=settings.heartbeat_seconds
                )
        return tail

    def fanout(self, tail: LiveTail) -> Fanout:
        """The direct fan-out of the running loop's live streams (fanout.py)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            fanout = self._fanouts.get(loop)
            if fanout is None:
                fanout = self._fanouts[loop] = Fanout(tail)
        return fanout

    def notify(self) -> None:
        self.last_commit = time.time()
        with self._lock:
            loops = [loop for loop in self._loops if loop not in self._scheduled]
            self._missed.update(loop for loop in self._loops if loop in self._scheduled)
            self._scheduled.update(loops)
            tails = {loop: self._tails.get(loop) for loop in loops}
        for loop in loops:
            read = tails[loop], self._prefetch(tails[loop])
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(self._wake_loop, loop, read)

    def _prefetch(self, tail: LiveTail | None) -> list[StoredEvent] | None:
        """The new rows for `tail`, read in the notifying thread (live_tail.py: `prefetch`);
        None when that fails, and the streams read the table themselves as before."""
        if tail is None or self._closed:
            return None
        try:
            return tail.prefetch()
        except Exception:  # e.g. storage closing at shutdown: the streams read it themselves
            log.debug("prefetching the tail failed", exc_info=True)
            return None

    def _wake_loop(
        self,
        loop: asyncio.AbstractEventLoop,
        read: tuple[LiveTail | None, list[StoredEvent] | None] = (None, None),
    ) -> None:
        with self._lock:
            self._scheduled.discard(loop)
            missed = loop in self._missed
            self._missed.discard(loop)
            tail = self._tails.get(loop)
            fanout = self._fanouts.get(loop)
            subscriptions = list(self._loops.get(loop, ()))
        if tail is not None:
            rows = read[1] if read[0] is tail else None  # not for a tail made since
            if rows is not None:  # they follow the tail's newest
                tail.add(rows)
            # Read after the commit that woke us: the table need not be read again for
            # it, unless another commit came meanwhile (its notify found us scheduled).
            tail.committed(covered=rows is not None and not missed)
        if fanout is not None:
            fanout.committed(self.last_commit)
        for subscription in subscriptions:
            subscription.wake_on_loop()

    def publish(self, kind: EventType, queue: str, key: str, data: str) -> None:
        """Thread-safe: send an ephemeral event to every stream that sees `queue`."""
        item = Ephemeral(kind, queue, key, data)
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.push(item)

    def close(self) -> None:
        """End every stream (server shutdown); they return after their current step."""
        self._closed = True
        with self._lock:
            fanouts = list(self._fanouts.items())
        for loop, fanout in fanouts:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(fanout.close)
        self.notify()

    def __len__(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def live_streams(self) -> int:
        """How many streams are in live mode (written by the direct fan-out) now."""
        with self._lock:
            return sum(len(fanout) for fanout in self._fanouts.values())


def start_after(bounds: EventBounds, last_event_id: str | None) -> tuple[int, str | None]:
    """Where a stream starts, and the reason for a `resync` first (None: no resync)."""
    if last_event_id is None or not last_event_id.strip():
        return bounds.newest, None  # no Last-Event-ID: only new events
    try:
        last = int(last_event_id.strip())
    except ValueError:
        return bounds.newest, f"Last-Event-ID {last_event_id[:40]!r} is not an event id"
    if last > bounds.newest or last < 0:
        return bounds.newest, f"event {last} is unknown to this hub"
    if not bounds.can_replay_after(last):
        return bounds.newest, f"events after {last} are no longer kept"
    return last, None


def lag_resync_reason(bounds: EventBounds, after: int, max_lag: int) -> str | None:
    """Why a stream that has sent up to `after` must resync instead of replaying (None: it
    need not). A slow consumer never holds more than one batch in memory (writes wait
    for the socket), so lag is bounded by resyncing, not by a queue."""
    if not bounds.can_replay_after(after):
        return f"events after {after} are no longer kept"
    behind = bounds.newest - after
    if behind > max_lag:
        return f"this stream is {behind} events behind (more than {max_lag})"
    return None


async def event_stream(
    storage: HubStorage,
    broker: EventBroker,
    settings: HubSettings,
    queues: frozenset[str] | None,
    last_event_id: str | None,
    metrics: HubMetrics | None = None,
    transport: asyncio.WriteTransport | None = None,
) -> AsyncGenerator[ServerSentEvent]:
    """The SSE items of one connection, until the client leaves or the broker closes.

    FastAPI's own keep-alive pings only after 15 s of silence (a module constant),
    so this stream sends its own `: ping` after `heartbeat_seconds`; with a
    heartbeat under 15 s FastAPI's never fires.
    """
    heartbeat = settings.heartbeat_seconds
    batch_size = settings.event_batch_size
    metrics = metrics or HubMetrics()
    with broker.subscribe() as subscription, metrics.subscribers.track_inprogress():
        yield ServerSentEvent(retry=settings.sse_retry_ms)
        bounds = await to_thread.run_sync(storage.event_bounds)
        after, resync_reason = start_after(bounds, last_event_id)
        if resync_reason is not None:
            log.info("stream starts with resync: %s", resync_reason)
            yield ServerSentEvent(
                id=str(after),
                event=EventType.RESYNC.value,
                raw_data=ResyncInfo(reason=resync_reason).model_dump_json(),
            )
        last_sent = time.monotonic()
        tail = broker.tail(storage, settings)
        tail.start_at(bounds.newest)
        while not broker.closed:
            subscription.clear()  # before reading, so a commit during the read still wakes us
            woken_by = broker.last_commit
            cached = await tail.after(after, queues, batch_size, settings.max_lag_events)
            if cached is not None:  # the common case: the shared tail, encoded once
                from_tail, after_tail = cached
                for tail_event in from_tail:
                    yield tail_event.sse
                after, sent = after_tail, len(from_tail)
            else:  # a replay from further back, or a stream that fell behind the tail
                batch = await to_thread.run_sync(storage.events_after, after, queues, batch_size)
                if batch and (len(batch) == batch_size or batch[0].id != after + 1):
                    # Behind, or a gap (events filtered out, or pruned while this stream lagged).
                    bounds = await to_thread.run_sync(storage.event_bounds)
                    lag_reason = lag_resync_reason(bounds, after, settings.max_lag_events)
                    if lag_reason is not None:
                        log.info("stream resyncs: %s", lag_reason)
                        yield ServerSentEvent(
                            id=str(bounds.newest),
                            event=EventType.RESYNC.value,
                            raw_data=ResyncInfo(reason=lag_reason).model_dump_json(),
                        )
                        after = bounds.newest
                        last_sent = time.monotonic()
                        continue
                for event in batch:
                    yield ServerSentEvent(id=str(event.id), event=event.type, raw_data=event.data)
                    after = event.id
                sent = len(batch)
            for item in subscription.take_ephemeral():
                if queues is None or item.queue in queues:
                    yield ServerSentEvent(event=item.kind.value, raw_data=item.data)
                    last_sent = time.monotonic()
            if sent:
                metrics.events_fanned_out.inc(sent)
                if woken_by:
                    metrics.delivery_latency.observe(max(0.0, time.time() - woken_by))
                last_sent = time.monotonic()
                if sent == batch_size:
                    continue  # more may be waiting
            idle = time.monotonic() - last_sent
            if idle >= heartbeat:
                yield ServerSentEvent(comment="ping")
                last_sent = time.monotonic()
                continue
            if transport is not None:  # caught up: hand the connection to the fan-out
                fanout = broker.fanout(tail)
                if fanout.on_delivered is None:
                    fanout.on_delivered = _recorder(metrics)
                live = await _live(fanout, subscription, transport, queues, after, heartbeat - idle)
                if live is not None:
                    after = live.after
                    last_sent = max(last_sent, live.last_write)
                    continue
            await subscription.wait(heartbeat - idle)
        # Shutting down: tell the client to come back soon (to another worker, through
        # the load balancer); it resumes from its Last-Event-ID, so nothing is lost.
        yield ServerSentEvent(comment="shutting down", retry=settings.shutdown_retry_ms)


async def _live(
    fanout: Fanout,
    subscription: Subscription,
    transport: asyncio.WriteTransport,
    queues: frozenset[str] | None,
    after: int,
    seconds: float,
) -> LiveStream | None:
    """Stay in live mode for at most `seconds` (then a ping may be due); None when the
    stream could not go live (not caught up with the fan-out yet)."""
    live = fanout.join(transport, queues, after)
    if live is None:
        return None
    subscription.leave_live = lambda: fanout.release(live, Leave.WAKE)
    timer = asyncio.get_running_loop().call_later(seconds, fanout.release, live, Leave.WAKE)
    try:
        await live.left
    finally:
        timer.cancel()
        subscription.leave_live = None
        fanout.release(live, Leave.GONE)  # a no-op unless this task was cancelled
    return live


def _recorder(metrics: HubMetrics) -> Callable[[int, float], None]:
    """Counts a fan-out round's deliveries and its latency from the commit."""

    def record(delivered: int, commit: float) -> None:
        metrics.events_fanned_out.inc(delivered)
        if commit:
            metrics.delivery_latency.observe(max(0.0, time.time() - commit))

    return record
