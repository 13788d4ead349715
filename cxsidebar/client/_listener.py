"""A listener wrapper that keeps one faulty callback from killing the worker's loop."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from cxsidebar.core import (
    ClaimInfo,
    ConnectionState,
    EscalationContext,
    HubEvent,
    Identity,
    QueueItem,
    SummaryProgress,
    SyncState,
)

if TYPE_CHECKING:
    from ._worker import WorkerListener

log = logging.getLogger(__name__)


class GuardedListener:
    """Forwards every call; an exception in the listener is logged, not propagated."""

    def __init__(self, inner: WorkerListener) -> None:
        self._inner = inner

    def _call(self, name: str, *args: Any) -> None:
        try:
            getattr(self._inner, name)(*args)
        except Exception:
            log.exception("listener %s raised", name)

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        self._call("on_connection", state, detail)

    def on_identity(self, identity: Identity) -> None:
        self._call("on_identity", identity)

    def on_snapshot(self, items: list[QueueItem]) -> None:
        self._call("on_snapshot", items)

    def on_event(self, event: HubEvent) -> None:
        self._call("on_event", event)

    def on_summary_progress(self, progress: SummaryProgress) -> None:
        self._call("on_summary_progress", progress)

    def on_context(self, context: EscalationContext) -> None:
        self._call("on_context", context)

    def on_context_failed(self, escalation_id: str, message: str) -> None:
        self._call("on_context_failed", escalation_id, message)

    def on_claimed(self, info: ClaimInfo) -> None:
        self._call("on_claimed", info)

    def on_claim_failed(self, escalation_id: str, message: str) -> None:
        self._call("on_claim_failed", escalation_id, message)

    def on_summary_regenerate_failed(self, escalation_id: str, message: str) -> None:
        self._call("on_summary_regenerate_failed", escalation_id, message)

    def on_rating_saved(self, rating_id: uuid.UUID) -> None:
        self._call("on_rating_saved", rating_id)

    def on_rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        self._call("on_rating_save_failed", rating_id, message)

    def on_sync(self, state: SyncState) -> None:
        self._call("on_sync", state)
