"""The open escalation stays current without a round trip through the GUI thread.

The stream's listener is wrapped: an `escalation.updated` event (e.g. a new
summary) of the escalation last asked for with `fetch_context` starts a new
fetch at once on the worker's loop, then the event goes on to the listener as
usual. The GUI, which is busy painting the screen-pop at that moment, only
receives the fresh context.
"""

from __future__ import annotations

from collections.abc import Callable

from cxsidebar.core import (
    ConnectionState,
    EventType,
    HubEvent,
    Identity,
    QueueItem,
    SummaryProgress,
    UpdatedInfo,
)

from ._stream import StreamListener


class FollowingListener:
    """Forwards every call to `inner`; an update of `followed()` calls `refetch` first."""

    def __init__(
        self,
        inner: StreamListener,
        followed: Callable[[], str | None],
        refetch: Callable[[str], object],
    ) -> None:
        self._inner = inner
        self._followed = followed
        self._refetch = refetch

    def on_event(self, event: HubEvent) -> None:
        data = event.data
        if (
            event.type is EventType.UPDATED
            and isinstance(data, UpdatedInfo)
            and data.escalation_id == self._followed()
        ):
            self._refetch(data.escalation_id)
        self._inner.on_event(event)

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        self._inner.on_connection(state, detail)

    def on_identity(self, identity: Identity) -> None:
        self._inner.on_identity(identity)

    def on_snapshot(self, items: list[QueueItem]) -> None:
        self._inner.on_snapshot(items)

    def on_summary_progress(self, progress: SummaryProgress) -> None:
        self._inner.on_summary_progress(progress)
