"""The live event stream: a notifier that wakes streams, and the stream itself.

The events table is the source of truth. Each stream replays the rows after
the last id it sent, then sleeps on its `Subscription` until the storage
reports a commit (or the heartbeat is due), then reads the table again. A
later PostgreSQL backend wakes streams the same way, by calling
`EventBroker.notify` from its LISTEN thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from types import TracebackType

from anyio import to_thread
from fastapi.sse import ServerSentEvent

from cxsidebar.core import EventType, ResyncInfo
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.storage import EventBounds, HubStorage

log = logging.getLogger(__name__)


class Subscription:
    """One stream's wake-up flag, owned by the event loop that created it."""

    def __init__(self, broker: EventBroker) -> None:
        self._broker = broker
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def wake(self) -> None:
        """Thread-safe."""
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(self._event.set)

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, seconds: float) -> bool:
        """True if woken, False if `seconds` passed first."""
        # Not asyncio.wait_for: on Python 3.11 a cancel that lands as its timeout
        # fires comes out as TimeoutError, and the stream would outlive its client.
        woken = asyncio.ensure_future(self._event.wait())
        try:
            done, _ = await asyncio.wait({woken}, timeout=seconds)
        finally:
            woken.cancel()
        return bool(done)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._broker.unsubscribe(self)


class EventBroker:
    """Wakes every subscribed stream when events were committed; `notify` is thread-safe."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def subscribe(self) -> Subscription:
        """Call from the event loop the stream runs on."""
        subscription = Subscription(self)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def notify(self) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.wake()

    def close(self) -> None:
        """End every stream (server shutdown); they return after their current step."""
        self._closed = True
        self.notify()

    def __len__(self) -> int:
        with self._lock:
            return len(self._subscriptions)


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
) -> AsyncIterator[ServerSentEvent]:
    """The SSE items of one connection, until the client leaves or the broker closes.

    FastAPI's own keep-alive pings only after 15 s of silence (a module constant),
    so this stream sends its own `: ping` after `heartbeat_seconds`; with a
    heartbeat under 15 s FastAPI's never fires.
    """
    heartbeat = settings.heartbeat_seconds
    batch_size = settings.event_batch_size
    with broker.subscribe() as subscription:
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
        while not broker.closed:
            subscription.clear()  # before reading, so a commit during the read still wakes us
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
            if batch:
                last_sent = time.monotonic()
                if len(batch) == batch_size:
                    continue  # more may be waiting
            idle = time.monotonic() - last_sent
            if idle >= heartbeat:
                yield ServerSentEvent(comment="ping")
                last_sent = time.monotonic()
                continue
            await subscription.wait(heartbeat - idle)
