"""StoreThread: the one thread that owns the local database's connection.

Every read and write is a task handed to it (datasette's write thread, Anki's
one-thread collection executor): callers get a `concurrent.futures.Future`,
so the GUI thread never touches SQLite and nothing ever writes concurrently.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from ._local import Clock, LocalStore, _utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

_Task = tuple[Callable[..., Any], tuple[Any, ...], "Future[Any]"]


class StoreClosedError(RuntimeError):
    """The store thread is not running (never started, failed to open or closed)."""


class StoreThread:
    """Runs `fn(store, *args)` for every `submit`, one at a time, on its own thread."""

    def __init__(
        self, path: Path, *, clock: Clock = _utcnow, name: str = "cxsidebar-store"
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._opened: Future[None] = Future()
        self._lock = threading.Lock()
        self._accepting = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, timeout: float = 10.0) -> StoreThread:
        """Start the thread and open the store on it; re-raises the open's error."""
        with self._lock:
            self._accepting = True
        self._thread.start()
        try:
            self._opened.result(timeout)
        except BaseException:
            self.close(timeout)
            raise
        return self

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn(store, *args)`; its result or exception arrives in the future."""
        future: Future[T] = Future()
        with self._lock:
            if not self._accepting:
                raise StoreClosedError("the local store is closed")
            self._tasks.put((fn, args, future))
        return future

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def close(self, timeout: float = 10.0) -> None:
        """Finish queued tasks, close the connection and join the thread."""
        with self._lock:
            was_accepting, self._accepting = self._accepting, False
            if was_accepting:
                self._tasks.put(None)
        if self._thread.is_alive() or self._thread.ident is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the store thread did not stop within {timeout} s")

    def __enter__(self) -> StoreThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        try:
            store = LocalStore(self.path, clock=self._clock)
        except BaseException as exc:
            with self._lock:
                self._accepting = False
            self._opened.set_exception(exc)
            self._fail_queued()
            return
        self._opened.set_result(None)
        try:
            while (task := self._tasks.get()) is not None:
                fn, args, future = task
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    result = fn(store, *args)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            store.close()

    def _fail_queued(self) -> None:
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                return
            if task is not None:
                task[2].set_exception(StoreClosedError("the local store failed to open"))
