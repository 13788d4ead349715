"""RatingSaver: puts ratings on disk, and never lets one go when the disk refuses.

A save is one transaction on the store thread. When it fails (disk full, a
read-only database, the store closed) the agent is told "not saved", the
rating stays in memory, the latest one per escalation, and is retried with
backoff until the disk takes it. An edit made meanwhile replaces the one held.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from cxsidebar.core import Rating
from cxsidebar.store import LocalStore, StoreThread

from ._backoff import Backoff

log = logging.getLogger(__name__)


class SaveListener(Protocol):
    """What the saver reports (the worker's listener has these two)."""

    def on_rating_saved(self, rating_id: uuid.UUID) -> None: ...

    def on_rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None: ...


class RatingSaver:
    """Runs on the worker's loop. `spawn` starts a background task the worker cancels at stop."""

    def __init__(
        self,
        store: StoreThread,
        listener: SaveListener,
        *,
        backoff: Backoff,
        after_save: Callable[[], Awaitable[None]],
        spawn: Callable[[Awaitable[None]], asyncio.Task[None]],
    ) -> None:
        self._store = store
        self._listener = listener
        self._backoff = backoff
        self._after_save = after_save
        self._spawn = spawn
        self._unsaved: dict[str, Rating] = {}  # escalation id → the latest refused rating
        self._retrying: set[str] = set()

    def unsaved(self) -> list[Rating]:
        return list(self._unsaved.values())

    async def save(self, rating: Rating) -> None:
        key = rating.escalation_id
        self._unsaved[key] = rating
        if await self._try(rating) or key in self._retrying:
            return
        self._retrying.add(key)
        self._spawn(self._retry(key))

    async def _try(self, rating: Rating) -> bool:
        """One attempt; on failure the rating stays in memory and the agent is told."""
        key = rating.escalation_id
        try:
            await asyncio.wrap_future(self._store.submit(LocalStore.save_rating, rating))
        except Exception as exc:  # disk full, read-only, closed: all kept and retried
            log.warning("saving rating %s failed: %s", rating.id, exc)
            if self._unsaved.get(key) is rating:
                self._listener.on_rating_save_failed(
                    rating.id, f"not saved: {exc}; kept in memory, retrying"
                )
            return False
        if self._unsaved.get(key) is rating:
            del self._unsaved[key]
        self._listener.on_rating_saved(rating.id)
        await self._after_save()
        return True

    async def _retry(self, key: str) -> None:
        """Retry the latest refused rating of one escalation until the disk takes it."""
        attempt = 0
        try:
            while key in self._unsaved:
                await asyncio.sleep(self._backoff.delay(attempt))
                attempt += 1
                rating = self._unsaved.get(key)
                if rating is not None:
                    await self._try(rating)
        finally:
            self._retrying.discard(key)
