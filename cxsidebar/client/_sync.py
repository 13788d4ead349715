"""RatingSync: drains the local outbox to `POST /v1/ratings`.

One batch (100 ratings by default, at most 500) per request, up to
`concurrency` disjoint batches in flight at once, each request with an
Idempotency-Key that the store keeps, so a retry resends the very same batch
under the same key. Transport errors and transient statuses back off with full
jitter (or wait what `Retry-After` says on 429/503); 401/403 stop the sync; any
other 4xx splits the batch so only the rating at fault ends up as a dead letter.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from cxsidebar.core import RatingResult, SyncState
from cxsidebar.store import LocalStore, OutboxBatch, StoreClosedError, StoreThread

from ._backoff import Backoff, format_delay
from ._errors import HubAuthError, HubError, HubTransportError
from ._hub import HubClient

T = TypeVar("T")

MAX_BATCH = 500  # RatingBatch's limit on the wire
DEFAULT_BATCH = 100
MAX_CONCURRENCY = 8  # requests in flight at once (disjoint batches)
MIN_DELAY = 0.1  # even `Retry-After: 0` does not make a busy loop


class RatingSync:
    """Run `run()` on the loop; call `wake()` (on the loop) after a save."""

    def __init__(
        self,
        store: StoreThread,
        client: HubClient,
        report: Callable[[SyncState], None],
        *,
        batch_size: int = DEFAULT_BATCH,
        concurrency: int = 1,
        period: float = 30.0,
        backoff: Backoff | None = None,
        max_retry_after: float = 3600.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}, got {batch_size}")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be 1..{MAX_CONCURRENCY}, got {concurrency}")
        self._concurrency = concurrency
        self._store = store
        self._client = client
        self._report = report
        self._batch_size = batch_size
        self._period = period
        self._backoff = backoff or Backoff(base=1.0, cap=300.0, jitter="full")
        self._max_retry_after = max_retry_after
        self._clock = clock
        self._wake = asyncio.Event()
        self._detail = ""
        self._last: SyncState | None = None
        self.signed_out = False

    def wake(self) -> None:
        """Sync now rather than at the next period (loop thread only)."""
        self._wake.set()

    async def run(self) -> None:
        """Sync whenever woken, due or periodic, until cancelled or signed out."""
        first, failures = True, 0
        while not self.signed_out:
            self._wake.clear()
            try:
                if first:  # a fresh start tries everything at once
                    await self._call(LocalStore.release_deferred)
                    first = False
                delay = await self.sync_once()
                failures = 0
            except (sqlite3.Error, StoreClosedError) as exc:
                # The local database failed (disk full, read-only, gone): nothing is lost,
                # the outbox is still on disk; try again later.
                delay = self._backoff.delay(failures)
                failures += 1
                self._detail = f"local database: {exc}, retrying in {format_delay(delay)}"
                await self._report_detail()
            if self.signed_out:
                return
            wait = self._period if delay is None else min(delay, self._period)
            # Not asyncio.wait_for: on Python 3.11 a cancel that lands as its timeout
            # fires comes out as TimeoutError, which would swallow the worker's stop.
            woken = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({woken}, timeout=wait)
            finally:
                woken.cancel()

    async def sync_once(self) -> float | None:
        """Send what is due; the seconds until something is due again, or None if nothing is."""
        while not self.signed_out:
            now = self._clock()
            batches = await self._call(
                LocalStore.next_batches, self._batch_size, now, self._concurrency
            )
            if not batches:
                break
            delays = await asyncio.gather(*(self._send(batch, now) for batch in batches))
            held = [delay for delay in delays if delay is not None]
            if len(held) == len(delays):  # none got through: wait
                await self.refresh()
                return min(held)
        await self.refresh()
        if self.signed_out:
            return None
        next_at = await self._call(LocalStore.next_due_at)
        if next_at is None:
            return None
        return max(0.0, (next_at - self._clock()).total_seconds())

    async def refresh(self) -> SyncState:
        """Report the outbox's state if it changed; returns it."""
        state = await self._call(LocalStore.sync_state)
        state = state.model_copy(update={"detail": self._detail})
        if state != self._last:
            self._last = state
            self._report(state)
        return state

    async def _report_detail(self) -> None:
        """Report the detail even when the database cannot be read for the counts."""
        last = self._last or SyncState(unsynced=0)
        state = last.model_copy(update={"detail": self._detail})
        if state != self._last:
            self._last = state
            self._report(state)

    async def _send(self, batch: OutboxBatch, now: datetime) -> float | None:
        """Post one batch; a delay if it has to wait, None to go on with the next."""
        ids = [rating.id for rating in batch.ratings]
        try:
            answer = await self._client.post_ratings(batch.ratings, batch.key)
        except HubAuthError as exc:
            self.signed_out = True
            self._detail = f"signed out: the hub refused the token ({exc}); ratings kept locally"
            return None
        except HubTransportError as exc:
            return await self._hold(ids, batch.attempts, now, f"hub unreachable: {exc.message}")
        except HubError as exc:
            if exc.transient:
                hint = exc.retry_after if exc.status in (429, 503) else None
                return await self._hold(ids, batch.attempts, now, f"hub answered {exc}", hint)
            if len(ids) > 1:
                await self._call(LocalStore.isolate, batch.key)
                return None
            rejected = RatingResult(id=ids[0], status="rejected", reason=f"hub answered {exc}")
            await self._call(LocalStore.mark_results, [rejected])
            return None
        wanted = set(ids)
        results = {r.id: r for r in answer.results if r.id in wanted}
        await self._call(LocalStore.mark_results, list(results.values()))
        await self._call(LocalStore.release_deferred)  # the hub is back: retry the held ones now
        self._detail = ""
        missing = [rid for rid in ids if rid not in results]
        if missing:
            why = f"the hub did not answer for {len(missing)} rating(s)"
            return await self._hold(missing, batch.attempts, now, why)
        return None

    async def _hold(
        self,
        ids: list[uuid.UUID],
        attempts: int,
        now: datetime,
        why: str,
        retry_after: float | None = None,
    ) -> float:
        if retry_after is not None:
            delay = min(max(retry_after, MIN_DELAY), self._max_retry_after)
        else:
            delay = self._backoff.delay(attempts)
        await self._call(LocalStore.defer, ids, now + timedelta(seconds=delay), why)
        self._detail = f"{why}, retrying in {format_delay(delay)}"
        return delay

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self._store.submit(fn, *args))
