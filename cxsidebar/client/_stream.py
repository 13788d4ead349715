"""EventStream: the live `GET /v1/events` link, kept up by itself.

It reconnects with jittered exponential backoff, resumes with
`Last-Event-ID`, treats silence longer than about three heartbeats as a dead
link (the httpx read timeout), and replaces the queue with a fresh snapshot
of the open escalations whenever replay cannot cover a gap: on a connect
without a last event id, and on a `resync` event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from httpx_sse import ServerSentEvent

from cxsidebar.core import (
    ConnectionState,
    EventType,
    HubEvent,
    Identity,
    QueueItem,
    SummaryProgress,
    decode_event,
)

from ._backoff import Backoff, format_delay
from ._errors import HubAuthError, HubError, HubTransportError
from ._hub import HubClient

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT = 15.0
MIN_RETRY = 0.01  # a `retry: 0` must not turn reconnecting into a busy loop


class StreamListener(Protocol):
    """Where the stream reports; called on the stream's event loop thread."""

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        """The link changed state; `detail` is a line for people."""

    def on_identity(self, identity: Identity) -> None:
        """Who the token belongs to; reported once, before the first snapshot."""

    def on_snapshot(self, items: list[QueueItem]) -> None:
        """The full list of open escalations: replace the queue with it."""

    def on_event(self, event: HubEvent) -> None:
        """One live or replayed event (never `resync`: that arrives as a snapshot)."""

    def on_summary_progress(self, progress: SummaryProgress) -> None:
        """A summary as the model writes it (ephemeral `summary.progress`: never replayed)."""


class _Dropped(Exception):
    """The stream ended cleanly (EOF): for a client of an endless stream, a drop."""


class EventStream:
    """Runs until cancelled, or until the hub refuses the token (state SIGNED_OUT)."""

    def __init__(
        self,
        client: HubClient,
        listener: StreamListener,
        *,
        queues: Sequence[str] = (),
        heartbeat: float = DEFAULT_HEARTBEAT,
        backoff: Backoff | None = None,
        offline_after: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._listener = listener
        self._queues = tuple(queues)
        self.read_timeout = 3.0 * heartbeat
        self._backoff = backoff or Backoff(base=1.0, cap=60.0, jitter="equal")
        self._offline_after = offline_after
        self._sleep = sleep
        self._clock = clock
        self.last_event_id: int | None = None
        self.retry_hint: float | None = None  # the server's `retry:`, in seconds
        self.state: ConnectionState | None = None
        self._need_snapshot = True
        self.identity: Identity | None = None

    async def run(self) -> None:
        self._report(ConnectionState.CONNECTING, f"connecting to {self._client.base_url}")
        failures = 0
        while True:
            live = False
            try:
                async with self._client.open_events(
                    queues=self._queues,
                    last_event_id=self.last_event_id,
                    read_timeout=self.read_timeout,
                ) as source:
                    live = True
                    if self._need_snapshot or self.last_event_id is None:
                        await self._snapshot()
                    failures = 0
                    self._report(ConnectionState.LIVE, "connected")
                    async for sse in source.aiter_sse():
                        await self._handle(sse)
                    raise _Dropped("the hub closed the stream")
            except HubAuthError as exc:
                self._report(
                    ConnectionState.SIGNED_OUT, f"signed out: the hub refused the token ({exc})"
                )
                return
            except (HubTransportError, HubError, _Dropped) as exc:
                why = _reason(exc)
            failures += 1
            delay = self._backoff.delay(failures - 1, base=self.retry_hint)
            what = f"connection lost ({why})" if live else f"hub unreachable: {why}"
            state = (
                ConnectionState.OFFLINE
                if failures >= self._offline_after
                else ConnectionState.RECONNECTING
            )
            self._report(state, f"{what}, retrying in {format_delay(delay)}")
            await self._sleep(delay)

    async def _handle(self, sse: ServerSentEvent) -> None:
        if sse.retry is not None:
            self.retry_hint = max(sse.retry / 1000.0, MIN_RETRY)
        if not sse.data:
            return  # a `: ping` heartbeat or a bare `retry:` block
        if sse.event == EventType.SUMMARY_PROGRESS:
            # Ephemeral and without an id (httpx-sse repeats the last one): never a resume point.
            try:
                progress = SummaryProgress.model_validate_json(sse.data)
            except ValueError:
                log.warning("ignoring a summary.progress event that v1 cannot decode")
                return
            self._listener.on_summary_progress(progress)
            return
        event_id = int(sse.id) if sse.id.isdigit() else None
        if event_id is None and sse.event != EventType.RESYNC:
            log.warning("ignoring an event without a numeric id: %r", sse)
            return
        if event_id is not None:
            # Not necessarily larger than before: after a resync the hub may count anew.
            self.last_event_id = event_id
        try:
            event = decode_event(event_id or 0, sse.event, sse.data)
        except ValueError:
            log.warning("ignoring event %s of type %r that v1 cannot decode", event_id, sse.event)
            return
        if event.type is EventType.RESYNC:
            self._need_snapshot = True
            await self._snapshot()
            return
        self._listener.on_event(event.model_copy(update={"received_at": self._clock()}))

    async def _snapshot(self) -> None:
        if self.identity is None:
            self.identity = await self._client.me()
            self._listener.on_identity(self.identity)
        items = await self._client.list_open(self._queues)
        self._need_snapshot = False
        self._listener.on_snapshot(items)

    def _report(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        self._listener.on_connection(state, detail)


def _reason(exc: Exception) -> str:
    if isinstance(exc, HubError):
        return f"the hub answered {exc.status} ({exc.message})"
    return str(exc)
