"""A thread-safe WorkerListener that records what the network worker reported."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from typing import Any

from cxsidebar.core import ConnectionState, EventType, HubEvent, SyncState


class Recorder:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.events: list[HubEvent] = []
        self.states: list[ConnectionState] = []
        self.saved: list[uuid.UUID] = []
        self.snapshot_ids: set[str] = set()
        self.sync: SyncState | None = None

    def _note(self, fn: Callable[[], None]) -> None:
        with self.cond:
            fn()
            self.cond.notify_all()

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 30.0, what: str = ""
    ) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout), (
                f"timed out waiting for {what or predicate}"
            )

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        self._note(lambda: self.states.append(state))

    def on_identity(self, identity: Any) -> None:
        pass

    def on_snapshot(self, items: list[Any]) -> None:
        self._note(lambda: self.snapshot_ids.update(i.escalation_id for i in items))

    def created_ids(self) -> list[str]:
        return [e.data.escalation_id for e in self.events if e.type is EventType.CREATED]

    def seen_ids(self) -> set[str]:
        """Escalations the sidebar learned of, by snapshot or by event."""
        return self.snapshot_ids | set(self.created_ids())

    def on_event(self, event: HubEvent) -> None:
        self._note(lambda: self.events.append(event))

    def on_context(self, context: Any) -> None:
        pass

    def on_context_failed(self, escalation_id: str, message: str) -> None:
        pass

    def on_claimed(self, info: Any) -> None:
        pass

    def on_claim_failed(self, escalation_id: str, message: str) -> None:
        pass

    def on_summary_regenerate_failed(self, escalation_id: str, message: str) -> None:
        pass

    def on_rating_saved(self, rating_id: uuid.UUID) -> None:
        self._note(lambda: self.saved.append(rating_id))

    def on_rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        raise AssertionError(f"save failed: {message}")

    def on_sync(self, state: SyncState) -> None:
        def note() -> None:
            self.sync = state

        self._note(note)


def hub_ratings(db_url: str) -> list[tuple[str, str]]:
    """(rating id, escalation id) of every rating row the hub stored."""
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
        return db.execute("SELECT id, escalation_id FROM ratings ORDER BY id").fetchall()
