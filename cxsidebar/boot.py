"""The sidebar's start after its window is painted: the slow part runs off the GUI thread.

The window needs PySide6, the settings and the UI, nothing else, so it paints
first. Then a boot thread checks where the ratings database lives, looks the
token up in the OS keystore, imports the network layer (httpx, sqlite-utils,
the store: a few hundred milliseconds) and starts the network worker. The GUI
thread stays free to paint and to answer the agent meanwhile; the outcome
comes back as a queued Qt signal.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.abc
import linecache
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from cxsidebar.settings import Settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from cxsidebar.client import NetworkWorker, Tuning
    from cxsidebar.credentials import TokenStore

log = logging.getLogger("cxsidebar")

# Optional imports of libraries the sidebar never uses, and what they would cost it:
# sqlite-utils registers numpy's column types when numpy is installed (pyqtgraph, for
# Review mode, brings it): 18 MiB and 30 ms. httpx imports its command line (rich,
# click, pygments): 25 ms.
SKIPPED_OPTIONAL = ("numpy", "pandas", "httpx._main")

WorkerFactory = Callable[[str], "NetworkWorker"]


def _uses_pyside(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    """PySide's check "does this module's source mention PySide6?", minus the line cache.

    PySide 6 asks it of every module imported after it (PYSIDE-2029) through
    `inspect.getsource`, which keeps every source file split into lines in
    `linecache`: 6 MB of text in 170,000 strings, about 15 MiB of the sidebar's
    memory. Same answer here from the file's bytes, read and dropped.
    """

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return original(module)  # built-in, compiled or bytecode-only: PySide's way
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False  # as PySide answers for a module without a source file

    return uses_pyside


def spare_source_cache() -> None:
    """Keep PySide's import hook from caching the source of every module (idempotent).

    What it cached already (the modules imported before this one) is dropped:
    `linecache` reads a file again when a traceback needs it. Entries without a
    file behind them (source registered by generated code) stay.
    """
    feature = sys.modules.get("shibokensupport.feature")
    check = getattr(feature, "_mod_uses_pyside", None)
    if check is None or getattr(check, "__name__", "") == "uses_pyside":
        return  # another PySide, or done already
    feature._mod_uses_pyside = _uses_pyside(check)  # type: ignore[union-attr]
    for name, entry in list(linecache.cache.items()):
        if len(entry) == 4 and entry[1] is not None:  # (size, mtime, lines, path): a file's
            linecache.cache.pop(name, None)


spare_source_cache()  # at import: app.py imports this module right after PySide6


class _SkipOnThisThread(importlib.abc.MetaPathFinder):
    """Answers "not installed" for `names`, to imports made on one thread only."""

    def __init__(self, names: tuple[str, ...], thread: threading.Thread) -> None:
        self._names = frozenset(names)
        self._thread = thread

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname in self._names and threading.current_thread() is self._thread:
            raise ModuleNotFoundError(f"{fullname} is not loaded by the sidebar", name=fullname)
        return None  # anything else, or another thread: the usual finders


@contextlib.contextmanager
def skip_optional(names: tuple[str, ...] = SKIPPED_OPTIONAL) -> Iterator[None]:
    """While inside, `import name` on this thread fails as if `name` were not installed.

    Only for the libraries above, whose importers fall back cleanly; modules loaded
    already stay, other threads import as usual, and afterwards everything imports
    normally again (Review mode's charts need numpy).
    """
    finder = _SkipOnThisThread(names, threading.current_thread())
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def make_worker(
    settings: Settings, listener: object, tuning: Tuning | None = None
) -> NetworkWorker:
    """The network worker for `settings` (imports the network layer on first use)."""
    with skip_optional():
        from cxsidebar.client import NetworkWorker
        from cxsidebar.netconfig import http_options

    return NetworkWorker(
        listener,  # type: ignore[arg-type]  # a WorkerBridge: every WorkerListener method
        hub_url=settings.hub_url,
        token=settings.token,
        store=settings.db_path,
        queues=settings.queues,
        tuning=tuning,
        **http_options(settings).as_kwargs(),  # type: ignore[arg-type]
    )


_settling = threading.Event()  # set by the process entry point (`settle_heap_after_start`)


def settle_heap_after_start() -> None:
    """In this process, `settle_heap` freezes: only `python -m cxsidebar` asks, never a test."""
    _settling.set()


# After start-up: a young-generation pass every 5,000 net allocations instead of 700.
# A 10,000-turn context is some 50,000 objects that all live until the next pop; with
# Python's defaults the collector walks them again and again while they are made and
# shown (35 of the 75 ms CPU of a first 10,000-turn paint; 20,000 saves no more and
# keeps more garbage). Garbage cycles wait a little longer: under 1 MiB more RSS.
SETTLED_GC_THRESHOLDS = (5_000, 20, 20)


def settle_heap() -> None:
    """Exempt what start-up made (modules, classes, the window) from garbage collection.

    Python's full collection walks every live object: with the start-up heap in
    it, the first one (due about when the first big transcript arrives) takes a
    quarter of a second on the GUI thread. Start-up objects live as long as the
    process, so they move to the permanent generation (`gc.freeze`); later
    collections walk only what came after, and less often (`SETTLED_GC_THRESHOLDS`).
    Called after the first paint and again once the network layer is loaded; a
    no-op unless the process asked.
    """
    if _settling.is_set():
        gc.freeze()
        gc.set_threshold(*SETTLED_GC_THRESHOLDS)


class Boot(QObject):
    """Starts the network worker on a thread of its own; reports on the GUI thread.

    `start(token)` → one of `ready(worker)` (started), `token_needed()` (no
    configured or stored token: ask, then `start(token)` again) or `failed(message,
    exit code)`. `stop()` joins the thread and hands back a worker it started
    (`worker`), so a window closed while starting leaks nothing.
    """

    ready = Signal(object)  # the started NetworkWorker
    token_needed = Signal()
    failed = Signal(str, int)

    def __init__(
        self,
        settings: Settings,
        make: WorkerFactory,
        token_store: Callable[[], TokenStore] | None = None,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._make = make
        self._token_store_factory = token_store
        self.token_store: TokenStore | None = None  # made when the keystore was asked
        self.worker: NetworkWorker | None = None
        self._lock = threading.Lock()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self, token: str = "") -> None:
        settle_heap()  # the window is built and painted
        if self._thread is not None:
            self._thread.join(5)  # an earlier run that asked for a token: it is ending
            if self._thread.is_alive():
                raise RuntimeError("the sidebar is already starting")
        self._thread = threading.Thread(
            target=self._run, args=(token,), name="cxsidebar-boot", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> NetworkWorker | None:
        """No more starting; after the thread ends, the worker it started (the caller stops it)."""
        with self._lock:
            self._stopped = True
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            return self.worker

    def _run(self, token: str) -> None:
        try:
            with skip_optional():
                from cxsidebar.store import StoreLocationError, check_local
            try:
                check_local(self._settings.db_path)
            except StoreLocationError as exc:  # before anything is written
                self.failed.emit(str(exc), 2)
                return
            token = token or self._settings.token or self._stored_token()
            if not token:
                self.token_needed.emit()
                return
            worker = self._make(token)
            worker.start()
            settle_heap()  # the network layer is loaded
        except Exception as exc:
            log.exception("the sidebar could not start its network worker")
            self.failed.emit(f"The sidebar could not start: {exc}", 1)
            return
        with self._lock:
            self.worker = worker
            if self._stopped:
                return  # the window closed meanwhile: stop() hands the worker back
        self.ready.emit(worker)

    def _stored_token(self) -> str:
        if self._token_store_factory is None:
            from cxsidebar.credentials import TokenStore

            self.token_store = TokenStore()
        else:
            self.token_store = self._token_store_factory()
        return self.token_store.load(self._settings.hub_url) or ""


class FirstPaint(QObject):
    """Calls `then` once, on the event loop's next turn after `widget` first painted.

    A window that never paints (started minimised, no screen) gets it after
    `fallback_ms` all the same.
    """

    def __init__(self, widget: QWidget, then: Callable[[], None], fallback_ms: int = 1000) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then: Callable[[], None] | None = then
        self._done = False
        widget.installEventFilter(self)
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._fire)
        self._fallback.start(fallback_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint and not self._done:
            log.info("window painted")
            QTimer.singleShot(0, self._fire)
            self._widget.removeEventFilter(self)
            self._done = True
        return False

    def _fire(self) -> None:
        self._fallback.stop()
        if self._then is None:
            return
        then, self._then = self._then, None
        self._widget.removeEventFilter(self)
        self._done = True
        then()
