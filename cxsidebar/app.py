"""The composition root: wires the store, the client and the UI together.

Nothing else knows about all three. The network worker (client/) runs on its
own thread and reports through a `WorkerListener`; `_Bridge` turns those calls
into queued Qt signals so every widget is touched on the GUI thread only.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import sys
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from cxsidebar import __version__
from cxsidebar.client import NetworkWorker, Tuning
from cxsidebar.core import (
    ClaimInfo,
    ConnectionState,
    EscalationContext,
    EventType,
    HubEvent,
    Identity,
    QueueItem,
    SyncState,
    UpdatedInfo,
)
from cxsidebar.settings import Settings, SettingsError, load_settings
from cxsidebar.ui import MainWindow

log = logging.getLogger("cxsidebar")


class _Bridge(QObject):
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


class Sidebar(QObject):
    """One running sidebar: its window, its network worker and the wiring between them."""

    def __init__(
        self,
        settings: Settings,
        *,
        window: MainWindow | None = None,
        worker: NetworkWorker | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.bridge = _Bridge()
        self.window = window or MainWindow()
        self.window.set_pop_mode(settings.pop)
        self.worker = worker or NetworkWorker(
            self.bridge,
            hub_url=settings.hub_url,
            token=settings.token,
            store=settings.db_path,
            queues=settings.queues,
            tuning=tuning,
        )
        self._agent_name: str | None = None
        self._current: str | None = None
        self.connection_state = ConnectionState.CONNECTING
        self.last_sync: SyncState | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        w, b = self.window, self.bridge
        w.context_requested.connect(self._request_context)
        w.claim_requested.connect(self.worker.claim)
        w.rating_submitted.connect(self.worker.save_rating)
        b.connection.connect(w.set_connection)
        b.identity.connect(self._on_identity)
        b.snapshot.connect(w.set_queue)
        b.hub_event.connect(self._on_event)
        b.context.connect(self._on_context)
        b.context_failed.connect(w.show_context_error)
        b.claimed.connect(self._on_claimed)
        b.claim_failed.connect(w.claim_failed)
        b.rating_saved.connect(w.rating_saved)
        b.rating_save_failed.connect(w.rating_save_failed)
        b.sync.connect(w.set_sync)
        b.connection.connect(self._remember_connection)
        b.sync.connect(self._remember_sync)

    def start(self) -> None:
        self.window.show()
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    def _remember_connection(self, state: ConnectionState, _detail: str) -> None:
        self.connection_state = state

    def _remember_sync(self, state: SyncState) -> None:
        self.last_sync = state

    def _request_context(self, escalation_id: str) -> None:
        self._current = escalation_id
        self.worker.fetch_context(escalation_id)

    def _on_context(self, context: EscalationContext) -> None:
        # Answers can cross: show only the escalation the agent looks at now.
        if context.escalation.id == self._current:
            self.window.show_context(context)

    def _on_identity(self, identity: Identity) -> None:
        self._agent_name = identity.name
        self.window.set_agent_name(identity.name)

    def _on_claimed(self, info: ClaimInfo) -> None:
        self.window.mark_claimed(info, True)

    def _on_event(self, event: HubEvent) -> None:
        if event.type is EventType.CREATED:
            assert isinstance(event.data, QueueItem)
            self.window.add_escalation(event.data)
        elif event.type is EventType.CLAIMED:
            assert isinstance(event.data, ClaimInfo)
            self.window.mark_claimed(event.data, event.data.claimed_by == self._agent_name)
        elif event.type is EventType.UPDATED:
            assert isinstance(event.data, UpdatedInfo)
            if event.data.escalation_id == self._current:
                self.worker.fetch_context(event.data.escalation_id)


def _install_error_hooks() -> None:
    """Nothing fails silently: Python, thread and Qt errors all reach the log."""

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        log.critical("unhandled exception", exc_info=(kind, value, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.critical(
            "unhandled exception in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    def qt_messages(kind: QtMsgType, _context: object, message: str) -> None:
        level = {
            QtMsgType.QtDebugMsg: logging.DEBUG,
            QtMsgType.QtInfoMsg: logging.INFO,
            QtMsgType.QtWarningMsg: logging.WARNING,
        }.get(kind, logging.ERROR)
        logging.getLogger("cxsidebar.qt").log(level, "%s", message)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    qInstallMessageHandler(qt_messages)
    if sys.stderr is not None:
        faulthandler.enable()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxsidebar",
        description="The handoff sidebar: escalated customers with their bot context.",
    )
    parser.add_argument("--version", action="version", version=f"cxsidebar {__version__}")
    parser.add_argument("--config", type=Path, help="a TOML settings file")
    parser.add_argument("--hub-url", help="the hub's base URL, e.g. https://hub.example:8700")
    parser.add_argument("--token", help="the agent's bearer token (prefer CXSIDEBAR_TOKEN)")
    parser.add_argument("--queues", help="comma-separated queues to follow (default: all)")
    parser.add_argument("--db", dest="db_path", help="the local ratings database file")
    parser.add_argument(
        "--pop", choices=["pop", "notify"], help="raise the window on arrival or only notify"
    )
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="run hub, scripted bot and sidebar on this machine")
    demo.add_argument("--interval", type=float, default=6.0, help="seconds between bot escalations")
    demo.add_argument("--fresh", action="store_true", help="start from empty demo databases")
    return parser


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.command == "demo":
        from cxsidebar.demo.runner import run_demo

        return run_demo(interval=args.interval, fresh=args.fresh)
    try:
        settings = load_settings(
            args.config,
            overrides={
                "hub_url": args.hub_url,
                "token": args.token,
                "queues": args.queues,
                "db_path": args.db_path,
                "pop": args.pop,
            },
        )
    except SettingsError as exc:
        print(f"cxsidebar: configuration error: {exc}", file=sys.stderr)
        return 2
    if not settings.token:
        print(
            "cxsidebar: no token: set CXSIDEBAR_TOKEN, pass --token, or put token = \"...\" in the"
            " config file (ask your administrator for one: cxsidebar-hub tokens create)",
            file=sys.stderr,
        )
        return 2
    return run_sidebar(settings)


def run_sidebar(settings: Settings) -> int:
    """Run the sidebar until its window closes."""
    _install_error_hooks()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("cxsidebar")
    app.setApplicationDisplayName("cxsidebar")
    sidebar = Sidebar(settings)
    sidebar.start()
    try:
        return int(app.exec())
    finally:
        sidebar.stop()
