"""NetworkWorker: one thread, one asyncio loop, everything that talks to the hub.

The GUI thread calls the command methods (they only schedule work and
return a `concurrent.futures.Future`); results come back through the
listener, called on the worker thread. The lead's app adapts the listener
to Qt signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import threading
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from cxsidebar.core import ClaimInfo, ConnectionState, EscalationContext, Rating, SyncState
from cxsidebar.store import LocalStore, StoreThread

from ._backoff import Backoff
from ._coalesce import Coalescer
from ._errors import ClaimConflict, HubAuthError, HubClientError, HubError, HubTransportError
from ._follow import FollowingListener
from ._hub import HubClient
from ._listener import GuardedListener
from ._saving import RatingSaver
from ._stream import EventStream, StreamListener
from ._sync import RatingSync

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkerListener(StreamListener, Protocol):
    """Everything the worker reports; every method is called on the worker thread."""

    def on_context(self, context: EscalationContext) -> None: ...

    def on_context_failed(self, escalation_id: str, message: str) -> None: ...

    def on_claimed(self, info: ClaimInfo) -> None: ...

    def on_claim_failed(self, escalation_id: str, message: str) -> None: ...

    def on_summary_regenerate_failed(self, escalation_id: str, message: str) -> None:
        """The hub refused or could not be asked; a new version arrives as an event otherwise."""

    def on_rating_saved(self, rating_id: uuid.UUID) -> None:
        """The rating is committed to the local database (and queued for the hub)."""

    def on_rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None: ...

    def on_sync(self, state: SyncState) -> None: ...


@dataclass(frozen=True)
class Tuning:
    """Timeouts and backoff; the defaults are for production, tests shrink them."""

    heartbeat: float = 15.0  # the hub's; the stream gives up after 3 times this without data
    connect_timeout: float = 5.0
    request_timeout: float = 10.0
    reconnect_base: float = 1.0
    reconnect_cap: float = 60.0
    offline_after: int = 3  # failed connects before the state says OFFLINE
    sync_period: float = 30.0
    sync_base: float = 1.0
    sync_cap: float = 300.0
    batch_size: int = 500  # the wire limit: 10,000 queued ratings flush in ~3 s (benchmarks)
    sync_concurrency: int = 4  # batches in flight at once: the hub overlaps parsing and writing
    save_retry_base: float = 0.5  # a save the disk refused (full, read-only) is retried
    save_retry_cap: float = 10.0
    seed: int | None = None  # of the jitter's random numbers, for reproducible tests
    stop_timeout: float = 5.0


class NetworkWorkerError(RuntimeError):
    """The worker is not running (not started yet, or stopped)."""


class NetworkWorker:
    def __init__(
        self,
        listener: WorkerListener,
        *,
        hub_url: str,
        token: str,
        store: StoreThread | Path,
        queues: Sequence[str] = (),
        tuning: Tuning | None = None,
        http: httpx.AsyncClient | None = None,
        name: str = "cxsidebar-network",
        verify: ssl.SSLContext | bool = True,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        """`store`: a started StoreThread the caller owns, or a path for one the worker owns.

        `http`: an AsyncClient for tests (e.g. on a MockTransport); the worker closes it at stop.
        `verify`, `proxy`, `trust_env`: TLS trust and proxy of the client made without `http`.
        """
        self._listener = GuardedListener(listener)
        self._hub_url = hub_url
        self._token = token
        self._queues = tuple(queues)
        self._tuning = tuning or Tuning()
        self._http = http
        self._verify, self._proxy, self._trust_env = verify, proxy, trust_env
        # A path: the worker opens the store at start and closes it at stop.
        self._own_store = None if isinstance(store, StoreThread) else Path(store)
        self._store: StoreThread | None = store if isinstance(store, StoreThread) else None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._lock = threading.Lock()
        self._accepting = False
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = threading.Event()
        self._stopping = asyncio.Event()  # binds to the worker's loop on first use
        self._sync: RatingSync | None = None
        self._client: HubClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stream: EventStream | None = None
        self._links: list[asyncio.Task[None]] = []  # the stream and the sync of this token
        self._rng = random.Random(self._tuning.seed)
        self._saver: RatingSaver | None = None  # made on the loop, at start
        self._context_fetches = Coalescer()  # by escalation id, on the loop
        self._followed: str | None = None  # the escalation last fetched (the one shown)

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    # -- lifecycle (any thread) -----------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        if self._thread.ident is not None:
            raise NetworkWorkerError("a network worker starts only once")
        if self._own_store is not None:
            self._store = StoreThread(self._own_store).start()
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            self.stop(timeout)
            raise NetworkWorkerError("the network worker failed to start") from self._failure
        with self._lock:
            self._accepting = True

    def stop(self, timeout: float | None = None) -> None:
        """Cancel everything, close the HTTP client and the loop, join the thread."""
        timeout = self._tuning.stop_timeout if timeout is None else timeout
        with self._lock:
            self._accepting = False
        self._stop_requested.set()  # seen by a loop that is still starting
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed already (it failed)
                loop.call_soon_threadsafe(self._stopping.set)
        if self._thread.ident is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the network worker did not stop within {timeout} s")
        if self._store is not None and self._own_store is not None:
            self._store.close(timeout)

    # -- commands (any thread) ------------------------------------------------------------

    def fetch_context(self, escalation_id: str) -> Future[None]:
        """Fetch one escalation's context; answers with on_context or on_context_failed.

        Until the next call, this escalation is followed: its `escalation.updated` events
        (a new summary) fetch it again by themselves, answered the same way."""
        self._followed = escalation_id
        return self._schedule(self._fetch_context(escalation_id))

    def claim(self, escalation_id: str) -> Future[None]:
        """Claim for this agent; answers with on_claimed or on_claim_failed."""
        return self._schedule(self._claim(escalation_id))

    def regenerate_summary(self, escalation_id: str) -> Future[None]:
        """Ask for a new summary version; failures answer with on_summary_regenerate_failed."""
        return self._schedule(self._regenerate_summary(escalation_id))

    def save_rating(self, rating: Rating) -> Future[None]:
        """Save locally, then sync; answers with on_rating_saved or on_rating_save_failed."""
        return self._schedule(self._save_rating(rating))

    def call(self, job: Callable[[HubClient], Coroutine[Any, Any, T]]) -> Future[T]:
        """Run `job(client)` on the worker's loop with its HubClient (Review mode's reports);
        the Future carries the result or the HubClientError. Cancelled at stop."""
        with self._lock:
            if not self._accepting or self._loop is None:
                raise NetworkWorkerError("the network worker is not running")
            return asyncio.run_coroutine_threadsafe(self._call(job), self._loop)

    def reauthenticate(self, token: str) -> Future[None]:
        """Sign in again with a new token: the stream and the sync restart with it."""
        return self._schedule(self._reauthenticate(token))

    def sign_out(self) -> Future[None]:
        """Stop the stream and the sync until `reauthenticate`; saving ratings goes on."""
        return self._schedule(self._sign_out())

    def dead_letters(self) -> Future[list[tuple[Rating, str]]]:
        """The ratings the hub refused for good, with its reasons (read on the store thread)."""
        with self._lock:
            if not self._accepting or self._store is None:
                raise NetworkWorkerError("the network worker is not running")
            return self._store.submit(LocalStore.rejected)

    def unsaved(self) -> list[Rating]:
        """Ratings the local database refused so far, held in memory and being retried."""
        return [] if self._saver is None else self._saver.unsaved()

    def _schedule(self, coro: Coroutine[Any, Any, None]) -> Future[None]:
        with self._lock:
            if not self._accepting or self._loop is None:
                coro.close()
                raise NetworkWorkerError("the network worker is not running")
            return asyncio.run_coroutine_threadsafe(self._command(coro), self._loop)

    # -- the worker thread ----------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:
            self._failure = exc
            log.exception("the network worker failed")
        finally:
            self._ready.set()
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    async def _main(self) -> None:
        tuning = self._tuning
        verify, proxy, trust_env = self._verify, self._proxy, self._trust_env
        self._client = client = HubClient(
            self._hub_url,
            self._token,
            http=self._http,
            timeout=httpx.Timeout(tuning.request_timeout, connect=tuning.connect_timeout),
            verify=verify,
            proxy=proxy,
            trust_env=trust_env,
        )
        try:
            assert self._store is not None
            self._saver = RatingSaver(
                self._store,
                self._listener,
                backoff=Backoff(tuning.save_retry_base, tuning.save_retry_cap, "equal", self._rng),
                after_save=self._after_save,
                spawn=self._spawn,
            )
            self._start_links()
            self._ready.set()
            if self._stop_requested.is_set():
                self._stopping.set()
            await self._stopping.wait()
            await self._cancel_all()
        finally:
            if unsaved := self.unsaved():
                log.error(
                    "stopping with %d rating(s) the local database refused: %s",
                    len(unsaved),
                    ", ".join(r.model_dump_json() for r in unsaved),
                )
            await client.aclose()
            if self._http is not None:
                await self._http.aclose()

    def _start_links(self) -> None:
        """A new event stream and ratings sync on the current client (and token)."""
        tuning, store, client = self._tuning, self._store, self._client
        assert store is not None
        assert client is not None
        self._sync = RatingSync(
            store,
            client,
            self._listener.on_sync,
            batch_size=tuning.batch_size,
            concurrency=tuning.sync_concurrency,
            period=tuning.sync_period,
            backoff=Backoff(tuning.sync_base, tuning.sync_cap, "full", self._rng),
        )
        self._stream = EventStream(
            client,
            FollowingListener(self._listener, lambda: self._followed, self._refetch),
            queues=self._queues,
            heartbeat=tuning.heartbeat,
            backoff=Backoff(tuning.reconnect_base, tuning.reconnect_cap, "equal", self._rng),
            offline_after=tuning.offline_after,
        )
        self._links = []
        for job, what in ((self._stream.run(), "event stream"), (self._sync.run(), "sync")):
            task = asyncio.create_task(_logged(job, what))
            self._tasks.add(task)
            self._links.append(task)

    async def _stop_links(self) -> None:
        links, self._links = self._links, []
        for task in links:
            task.cancel()
        if links:
            await asyncio.wait(links, timeout=self._tuning.stop_timeout)
        self._tasks.difference_update(links)

    async def _reauthenticate(self, token: str) -> None:
        assert self._client is not None
        await self._stop_links()
        self._token = token
        self._client.set_token(token)
        self._start_links()

    async def _sign_out(self) -> None:
        await self._stop_links()
        self._listener.on_connection(ConnectionState.SIGNED_OUT, "you signed out")
        if self._sync is not None:
            self._sync.signed_out = True
            await self._sync.refresh()

    async def _cancel_all(self) -> None:
        """Cancel our own tasks (libraries' inner tasks end with them), then wait for stragglers."""
        for _ in range(3):
            mine = [t for t in self._tasks if not t.done()]
            for task in mine:
                task.cancel()
            if mine:  # bounded: a task that swallowed its cancel is cancelled again
                await asyncio.wait(mine, timeout=1.0)
            current = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not current]
            if not rest:
                return
            await asyncio.wait(rest, timeout=1.0)

    async def _command(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self._stopping.is_set():
            coro.close()  # scheduled just before stop(): nothing to do any more
            return
        self._tasks.add(task)
        try:
            await coro
        finally:
            self._tasks.discard(task)

    async def _call(self, job: Callable[[HubClient], Coroutine[Any, Any, T]]) -> T:
        task = asyncio.current_task()
        assert task is not None
        assert self._client is not None
        if self._stopping.is_set():
            raise NetworkWorkerError("the network worker is stopping")
        self._tasks.add(task)
        try:
            return await job(self._client)
        finally:
            self._tasks.discard(task)

    async def _fetch_context(self, escalation_id: str) -> None:
        # One fetch at a time per escalation, answered in the order asked: a new summary's
        # refetch during the pop's fetch cannot have the older answer shown last.
        await self._context_fetches.run(escalation_id, lambda: self._fetch_now(escalation_id))

    def _refetch(self, escalation_id: str) -> None:
        """On the loop: the followed escalation changed at the hub."""
        self._spawn(self._fetch_context(escalation_id))

    async def _fetch_now(self, escalation_id: str) -> None:
        assert self._client is not None
        try:
            context = await self._client.get_context(escalation_id)
        except HubClientError as exc:
            self._listener.on_context_failed(escalation_id, _message(exc))
        else:
            self._listener.on_context(context)

    async def _claim(self, escalation_id: str) -> None:
        assert self._client is not None
        try:
            info = await self._client.claim(escalation_id)
        except ClaimConflict as exc:
            self._listener.on_claim_failed(escalation_id, f"already claimed by {exc.holder}")
        except HubClientError as exc:
            self._listener.on_claim_failed(escalation_id, _message(exc))
        else:
            self._listener.on_claimed(info)

    async def _regenerate_summary(self, escalation_id: str) -> None:
        assert self._client is not None
        try:
            await self._client.regenerate_summary(escalation_id)
        except HubClientError as exc:
            self._listener.on_summary_regenerate_failed(escalation_id, _message(exc))

    async def _save_rating(self, rating: Rating) -> None:
        assert self._saver is not None
        await self._saver.save(rating)

    async def _after_save(self) -> None:
        sync = self._sync  # the current one: signing in again makes a new sync
        if sync is not None:
            await sync.refresh()
            sync.wake()

    def _spawn(self, job: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _message(exc: HubClientError) -> str:
    if isinstance(exc, HubTransportError):
        return f"hub unreachable: {exc.message}"
    if isinstance(exc, HubAuthError):
        return f"signed out: the hub refused the token ({exc})"
    if isinstance(exc, HubError):
        return f"hub answered {exc}"
    return exc.message


async def _logged(coro: Coroutine[Any, Any, None], what: str) -> None:
    try:
        await coro
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("the %s stopped on an unexpected error", what)
