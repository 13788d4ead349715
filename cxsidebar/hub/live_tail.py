"""The newest events, read from the table once for every stream of a process.

Without it each stream read the table itself after every commit: with N
subscribers, N queries and N encodings per event. `LiveTail` reads the new
rows once (one query, however many streams wait), encodes each event to its
SSE bytes once, and keeps the last `size` events so that every stream whose
position it covers takes its events from memory. A stream it does not cover
(a replay from further back, or one that fell behind by more than `size`)
reads the table as before.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from dataclasses import dataclass

from anyio import to_thread
from fastapi.sse import ServerSentEvent, format_sse_event
from pydantic import PrivateAttr

from cxsidebar.hub.storage import HubStorage, StoredEvent

DEFAULT_SIZE = 4096


class EncodedEvent(ServerSentEvent):
    """An event with its wire bytes made once, shared by every stream that sends it."""

    _wire: bytes = PrivateAttr(default=b"")

    @classmethod
    def of(cls, event: StoredEvent) -> EncodedEvent:
        item = cls(id=str(event.id), event=event.type, raw_data=event.data)
        item._wire = format_sse_event(data_str=event.data, event=event.type, id=str(event.id))
        return item

    @property
    def wire(self) -> bytes:
        return self._wire


@dataclass(frozen=True)
class TailEvent:
    id: int
    queue: str | None  # None: for every stream
    sse: EncodedEvent


class LiveTail:
    """Owned by one event loop; `committed()` must be called on it."""

    def __init__(
        self,
        storage: HubStorage,
        *,
        size: int = DEFAULT_SIZE,
        batch: int = 500,
        stale_after: float = 15.0,
    ) -> None:
        self._storage = storage
        self._size = size
        self._events: list[TailEvent] = []  # by id; trimmed to `size` when twice as long
        self._ids: list[int] = []  # the ids of `_events`, for bisect
        self._batch = batch
        self._stale_after = stale_after  # re-read even without a commit after this long
        self._floor: int | None = None  # the tail holds every event in (floor, newest]
        self._newest = 0
        self._commits = 0  # commits heard of
        self._read_commits = 0  # commits heard of when the last read started
        self._read_at = 0.0
        self._reading: asyncio.Future[None] | None = None

    @property
    def newest(self) -> int:
        """The newest id the tail holds (everything up to it is in the tail)."""
        return self._newest

    def committed(self, *, covered: bool = False) -> None:
        """Events were committed: the next stream that runs out reads the table, unless
        `covered` (the rows read since this commit were `add`ed) and no earlier commit
        or read is still outstanding."""
        outstanding = self._commits != self._read_commits or self._reading is not None
        self._commits += 1
        if covered and not outstanding:
            self._read_commits = self._commits

    @property
    def up_to_date(self) -> bool:
        """Every commit heard of is in the tail (read, or covered by a prefetch)."""
        return self._commits == self._read_commits and self._reading is None

    def start_at(self, newest: int) -> None:
        """Begin, empty and complete, at the table's newest id (a stream's first bounds)."""
        if self._floor is None:
            self._floor = self._newest = newest

    async def after(
        self, after: int, queues: frozenset[str] | None, limit: int, max_lag: int
    ) -> tuple[list[TailEvent], int] | None:
        """Up to `limit` events after `after` that `queues` see, and the id up to which
        the stream has now seen everything meant for it; None when the tail does not
        cover `after` or the stream is more than `max_lag` behind (the caller reads the
        table, and resyncs a stream too far behind)."""
        if self._floor is None or after < self._floor or self._newest - after > max_lag:
            return None
        if after >= self._newest and self._should_read():
            await self._read()
        if after < self._floor:  # the read moved the window past this stream
            return None
        found: list[TailEvent] = []
        if after >= self._newest:
            return found, after
        for index in range(bisect_right(self._ids, after), len(self._events)):
            event = self._events[index]
            if event.queue is None or queues is None or event.queue in queues:
                found.append(event)
                if len(found) == limit:
                    return found, event.id
        return found, self._newest

    def _should_read(self) -> bool:
        if self._reading is not None:
            return True  # join the read in flight
        fresh = time.monotonic() - self._read_at < self._stale_after
        return self._commits != self._read_commits or not fresh

    async def _read(self) -> None:
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read_new())
        reading = self._reading
        await asyncio.shield(reading)

    async def _read_new(self) -> None:
        try:
            while True:
                self._read_commits = self._commits
                self._read_at = time.monotonic()
                rows = await to_thread.run_sync(
                    self._storage.events_after, self._newest, None, self._batch
                )
                self._append(rows)
                if len(rows) < self._batch:
                    return
        finally:
            self._reading = None

    def prefetch(self) -> list[StoredEvent]:
        """Thread-safe, blocking: the rows after the newest the tail holds, read in the
        calling thread; the committing thread calls it, so that `add` on the loop puts a
        commit's events in the tail without a hop to a worker thread (which waits for the
        GIL while a CPU-bound job, e.g. the summary just queued, runs)."""
        return self._storage.events_after(self._newest, None, self._batch)

    def add(self, rows: list[StoredEvent]) -> None:
        """On the loop: rows from `prefetch` (the events after the id it read from, in
        order); the tail keeps those it lacks. A stream that catches up still reads the
        table once after the commit, so nothing depends on this."""
        if self._floor is not None:
            self._append(rows)

    def _append(self, rows: list[StoredEvent]) -> None:
        for row in rows:
            if row.id <= self._newest:
                continue  # a prefetch or a read that overlapped this one has it already
            self._events.append(TailEvent(row.id, row.queue, EncodedEvent.of(row)))
            self._ids.append(row.id)
            self._newest = row.id
        if len(self._events) > 2 * self._size:
            dropped = len(self._events) - self._size
            self._floor = self._ids[dropped - 1]
            del self._events[:dropped], self._ids[:dropped]
