"""The network worker's listener on the GUI side: worker-thread calls become Qt signals.

The worker (client/) calls these methods on its own thread; each re-emits its
arguments as a signal, which Qt queues to the receivers' thread, so widgets are
only ever touched on the GUI thread.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, Signal

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


class WorkerBridge(QObject):
    """The worker's listener: called on the worker thread, re-emitted as Qt signals."""

    connection = Signal(object, str)
    identity = Signal(object)
    snapshot = Signal(object)
    hub_event = Signal(object)  # not `event`: that would hide QObject.event()
    context = Signal(object)
    context_failed = Signal(str, str)
    claimed = Signal(object)
    claim_failed = Signal(str, str)
    rating_saved = Signal(object)
    rating_save_failed = Signal(object, str)
    sync = Signal(object)
    summary_regenerate_failed = Signal(str, str)
    summary_progress = Signal(object)

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        self.connection.emit(state, detail)

    def on_identity(self, identity: Identity) -> None:
        self.identity.emit(identity)

    def on_snapshot(self, items: list[QueueItem]) -> None:
        self.snapshot.emit(items)

    def on_event(self, event: HubEvent) -> None:
        self.hub_event.emit(event)

    def on_context(self, context: EscalationContext) -> None:
        self.context.emit(context)

    def on_context_failed(self, escalation_id: str, message: str) -> None:
        self.context_failed.emit(escalation_id, message)

    def on_claimed(self, info: ClaimInfo) -> None:
        self.claimed.emit(info)

    def on_claim_failed(self, escalation_id: str, message: str) -> None:
        self.claim_failed.emit(escalation_id, message)

    def on_rating_saved(self, rating_id: uuid.UUID) -> None:
        self.rating_saved.emit(rating_id)

    def on_rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        self.rating_save_failed.emit(rating_id, message)

    def on_sync(self, state: SyncState) -> None:
        self.sync.emit(state)

    def on_summary_regenerate_failed(self, escalation_id: str, message: str) -> None:
        self.summary_regenerate_failed.emit(escalation_id, message)

    def on_summary_progress(self, progress: SummaryProgress) -> None:
        self.summary_progress.emit(progress)
