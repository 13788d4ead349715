"""The composition root: wires the store, the client and the UI together.

Nothing else knows about all three. The network worker (client/) runs on its
own thread and reports through a `WorkerListener`; `bridge.WorkerBridge` turns
those calls into queued Qt signals so every widget is touched on the GUI thread only.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

# Start-up time: only what the window needs is imported here. The network layer
# (httpx, sqlite-utils, the store), the keystore and the doctor load later, off the
# GUI thread (cxsidebar.boot) or when their command runs.
from cxsidebar import __version__
from cxsidebar.boot import Boot, FirstPaint, make_worker
from cxsidebar.bridge import WorkerBridge
from cxsidebar.core import (
    ClaimInfo,
    ConnectionState,
    EscalationContext,
    EventType,
    HubEvent,
    Identity,
    QueueItem,
    Rating,
    SyncState,
)
from cxsidebar.settings import Settings, SettingsError, default_log_dir, load_settings, schema
from cxsidebar.shutdown import quit_on_signals
from cxsidebar.single import SingleInstance
from cxsidebar.startup import (
    LOG_FORMAT,
    RefusedTokenHandler,
    ask_token,
    run_settings_dialog,
    self_test,
    setup_logging,
)
from cxsidebar.ui import MainWindow
from cxsidebar.ui.insight import sla_targets
from cxsidebar.window_memory import load_state, restore_window, save_state, state_file, window_state

if TYPE_CHECKING:
    from cxsidebar.client import NetworkWorker, Tuning
    from cxsidebar.credentials import TokenStore

log = logging.getLogger("cxsidebar")


class Sidebar(QObject):
    """One running sidebar: its window, its network worker and the wiring between them."""

    def __init__(
        self,
        settings: Settings,
        *,
        window: MainWindow | None = None,
        worker: NetworkWorker | None = None,
        tuning: Tuning | None = None,
        worker_factory: Callable[[str], NetworkWorker] | None = None,
    ) -> None:
        """`worker`: a made one (tests); else `worker_factory(token)` or the real one."""
        super().__init__()
        self.settings = settings
        self.bridge = WorkerBridge()
        self.window = window or MainWindow()
        self.window.set_pop_mode(settings.pop)
        self.window.set_color_scheme(settings.color_scheme)
        self.window.set_sla_targets(sla_targets(voice=settings.sla_voice, chat=settings.sla_chat))
        self.window.set_max_open(settings.max_open)
        self.window.set_repeat_days(settings.repeat_days)
        self.window.set_arrival_sound(settings.arrival_sound)
        # None until started: `start()` makes it at once, `start_after_paint()` on a boot thread.
        self.worker: NetworkWorker | None = worker
        self._tuning = tuning
        self._waiting: list[Callable[[NetworkWorker], object]] = []  # asked before it ran
        self._worker_factory = worker_factory
        self.boot = Boot(settings, self._make_worker)
        self.boot.ready.connect(self._worker_ready)
        self._agent_name: str | None = None
        self._current: str | None = None
        self.connection_state = ConnectionState.CONNECTING
        self.last_sync: SyncState | None = None
        from cxsidebar.account import Account
        from cxsidebar.ui.rating_stamp import RatingStamp

        self.stamp = RatingStamp(self.window)  # the timings and versions a rating records
        self.account = Account(settings, self.window, self.on_worker, self._token_store)
        self._connect_signals()

    def _connect_signals(self) -> None:
        w, b = self.window, self.bridge
        w.context_requested.connect(self._request_context)
        w.claim_requested.connect(self._claim)
        w.rating_submitted.connect(self._save_rating)
        w.quit_requested.connect(QApplication.quit)
        w.contact_revealed.connect(self._log_contact_revealed)
        w.summary_regenerate_requested.connect(self._regenerate_summary)
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
        b.summary_regenerate_failed.connect(w.summary_regenerate_failed)
        b.summary_progress.connect(w.show_summary_progress)
        w.review_opened.connect(self._open_review)
        b.connection.connect(self._remember_connection)
        b.sync.connect(self._remember_sync)

    def start(self) -> None:
        """Show the window and start the network worker before returning."""
        self.window.show()
        if self.worker is None:
            self._worker_ready(self._make_worker(self.settings.token))
        assert self.worker is not None
        self.worker.start()

    def start_after_paint(self, token: str = "") -> None:
        """Show the window; once it painted, start the worker on a boot thread (`boot`)."""
        FirstPaint(self.window, functools.partial(self.boot.start, token))
        self.window.show()

    def stop(self) -> None:
        started = self.boot.stop()
        worker = self.worker or started
        if worker is not None:
            worker.stop()

    def on_worker(self, job: Callable[[NetworkWorker], object]) -> None:
        """Run `job(worker)` now, or as soon as the worker runs (asked while it starts)."""
        if self.worker is None:
            self._waiting.append(job)
        else:
            job(self.worker)

    def _make_worker(self, token: str) -> NetworkWorker:
        if self._worker_factory is not None:
            return self._worker_factory(token)
        settings = dataclasses.replace(self.settings, token=token)
        return make_worker(settings, self.bridge, self._tuning)

    def _worker_ready(self, worker: NetworkWorker) -> None:
        self.worker = worker
        waiting, self._waiting = self._waiting, []
        for job in waiting:
            job(worker)

    def _claim(self, escalation_id: str) -> None:
        self.on_worker(lambda worker: worker.claim(escalation_id))

    def _save_rating(self, rating: Rating) -> None:
        stamped = self.stamp.stamp(rating)
        self.on_worker(lambda worker: worker.save_rating(stamped))

    def _token_store(self) -> TokenStore:
        if self.boot.token_store is None:
            from cxsidebar.credentials import TokenStore

            self.boot.token_store = TokenStore()
        return self.boot.token_store

    def _regenerate_summary(self, escalation_id: str) -> None:
        self.on_worker(lambda worker: worker.regenerate_summary(escalation_id))

    def _remember_connection(self, state: ConnectionState, detail: str) -> None:
        if state is not self.connection_state:
            log.info("hub connection: %s%s", state.value, f" ({detail})" if detail else "")
        self.connection_state = state

    def _remember_sync(self, state: SyncState) -> None:
        self.last_sync = state

    def _log_contact_revealed(self, escalation_id: str, field: str) -> None:
        # Who looked at which contact detail, never the detail itself.
        log.info("contact %s revealed for escalation %s", field, escalation_id)

    def _request_context(self, escalation_id: str) -> None:
        self._current = escalation_id
        self.on_worker(lambda worker: worker.fetch_context(escalation_id))

    def _on_context(self, context: EscalationContext) -> None:
        # Answers can cross: show only the escalation the agent looks at now.
        if context.escalation.id == self._current:
            self.window.show_context(context)
            self.stamp.shown(context)
            log.info("escalation %s shown", context.escalation.id)

    def _on_identity(self, identity: Identity) -> None:
        self._agent_name = identity.name
        self.window.set_agent_name(identity.name)
        self.window.set_review_available(identity.role in ("supervisor", "admin"))

    def _open_review(self, view: QWidget) -> None:
        from cxsidebar.review_wiring import open_review  # lazy: only supervisors open Review

        self.review = open_review(view, lambda: self.worker, self)  # type: ignore[arg-type]

    def _on_claimed(self, info: ClaimInfo) -> None:
        self.window.mark_claimed(info, True)

    def _on_event(self, event: HubEvent) -> None:
        if event.type is EventType.CREATED:
            assert isinstance(event.data, QueueItem)
            self.window.add_escalation(event.data)
        elif event.type is EventType.CLAIMED:
            assert isinstance(event.data, ClaimInfo)
            self.window.mark_claimed(event.data, event.data.claimed_by == self._agent_name)
        # escalation.updated (a new summary): the worker fetches the escalation shown again by
        # itself (`NetworkWorker.fetch_context` follows it); the answer arrives as a context.


def _install_error_hooks() -> None:
    """Nothing fails silently: Python, thread and Qt errors reach the log; uncaught
    exceptions on the GUI thread are also shown. Native crashes: `setup_logging`."""

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        log.critical("unhandled exception", exc_info=(kind, value, tb))
        _show_error(f"{kind.__name__}: {value}")

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


def _raise(window: QWidget) -> None:
    """A second launch asked for the window: bring it back (the OS may only flash it)."""
    log.info("a second launch asked for the window")
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
    QApplication.alert(window)


_error_box: list[QMessageBox] = []  # the one shown now; a parentless box needs an owner


def _show_error(text: str) -> None:
    app = QApplication.instance()
    # Widgets live on the GUI thread (the main one); other threads only log.
    if app is None or threading.current_thread() is not threading.main_thread():
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "cxsidebar", "", QMessageBox.StandardButton.Ok)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"Something went wrong; the details are in the log.\n\n{text}")
    for old in _error_box:
        old.close()
    _error_box[:] = [box]
    box.show()


_FLAGS = (  # (flag, settings key, help); every other key comes from files or CXSIDEBAR_*
    ("--hub-url", "hub_url", "the hub's base URL, e.g. https://hub.example:8700"),
    ("--token", "token", "the agent's bearer token (prefer the sign-in dialog)"),
    ("--queues", "queues", "comma-separated queues to follow (default: all)"),
    ("--db", "db_path", "the local ratings database file"),
    ("--proxy-url", "proxy_url", "an explicit HTTP(S) proxy for the hub"),
    ("--ca-bundle", "ca_bundle", "a PEM file of CA certificates to trust for the hub"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxsidebar",
        description="The handoff sidebar: escalated customers with their bot context.",
    )
    parser.add_argument("--version", action="version", version=f"cxsidebar {__version__}")
    parser.add_argument("--config", type=Path, help="a TOML settings file")
    for flag, key, text in _FLAGS:
        parser.add_argument(flag, dest=key, help=text)
    parser.add_argument(
        "--pop",
        choices=["pop", "notify", "accept"],
        help="raise the window on arrival, only notify, or notify and open on Accept",
    )
    parser.add_argument(
        "--color-scheme", choices=["auto", "light", "dark"], help="follow the desktop or force"
    )
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="log file detail"
    )
    parser.add_argument(
        "--autostart",
        action="store_true",
        dest="launched_at_login",
        help="started by the login autostart entry: exit at once if autostart is off",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start offscreen, build the window, check the bundle's imports, exit",
    )
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="run hub, scripted bot and sidebar on this machine")
    demo.add_argument("--interval", type=float, default=6.0, help="seconds between bot escalations")
    demo.add_argument("--fresh", action="store_true", help="start from empty demo databases")
    demo.add_argument(
        "--format",
        default="v1",
        choices=["v1", "rasa", "dialogflow-cx", "lex-v2", "copilot-studio", "chatwoot", "botpress"],
        help="the handoff format the scripted bot speaks (platform adapters: docs/adapters.md)",
    )
    sub.add_parser("doctor", help="check configuration, hub, token, stream, disk and tray")
    sub.add_parser("settings", help="change your own settings")
    sub.add_parser("sign-out", help="forget the token stored for the hub")
    return parser


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.self_test:
        return self_test()
    if args.command == "demo":
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        from cxsidebar.demo.runner import run_demo

        return run_demo(interval=args.interval, fresh=args.fresh, bot_format=args.format)
    overrides = {key: getattr(args, key, None) for key in schema()}
    try:
        settings = load_settings(args.config, overrides=overrides)
    except SettingsError as exc:
        if args.command == "doctor":
            from cxsidebar import doctor

            return doctor.report(doctor.config_failure(exc), sys.stdout)
        print(f"cxsidebar: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.launched_at_login and not settings.autostart:
        return 0
    logs = setup_logging(default_log_dir(), settings.log_level, console=args.command is None)
    try:
        if args.command == "doctor":
            from cxsidebar import doctor
            from cxsidebar.credentials import TokenStore

            token = settings.token or TokenStore().load(settings.hub_url)
            return doctor.report(doctor.run_checks(settings, token), sys.stdout)
        if args.command == "settings":
            return run_settings_dialog(settings)
        if args.command == "sign-out":
            from cxsidebar.credentials import TokenStore

            TokenStore().forget(settings.hub_url)
            return 0
        return run_sidebar(settings)
    finally:
        logs.close()


def run_sidebar(settings: Settings, *, instance: SingleInstance | None = None) -> int:
    """Run the sidebar until its window closes; 0 at once if another one runs (it is raised)."""
    _install_error_hooks()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("cxsidebar")
    app.setApplicationDisplayName("cxsidebar")
    instance = instance or SingleInstance()
    if not instance.claim():
        log.info("cxsidebar already runs in this session: raised it")
        return 0
    log.info("cxsidebar %s started (instance %s)", __version__, instance.name)
    try:
        # The window paints first; the database check, the keystore and the network
        # worker follow on the boot thread (cxsidebar.boot), the sign-in dialog over it.
        sidebar = Sidebar(settings)
        _Start(app, sidebar)  # owned by the sidebar
        memory = state_file()  # a small local file, read before the window shows
        restore_window(sidebar.window, settings, load_state(memory))
        instance.raise_requested.connect(functools.partial(_raise, sidebar.window))
        sidebar.start_after_paint()
        try:
            with quit_on_signals():  # SIGTERM, SIGINT, SIGHUP: as if the window closed
                return int(app.exec())
        finally:
            save_state(memory, window_state(sidebar.window))
            sidebar.stop()
    finally:
        instance.release()


class _Start(QObject):
    """`run_sidebar`'s answers to the boot thread: sign in, give up, or watch the token."""

    def __init__(self, app: QApplication, sidebar: Sidebar) -> None:
        super().__init__(sidebar)
        self._app = app
        self._sidebar = sidebar
        self._refused: RefusedTokenHandler | None = None
        sidebar.boot.failed.connect(self._failed)
        sidebar.boot.token_needed.connect(self._sign_in)
        sidebar.boot.ready.connect(self._ready)

    def _failed(self, message: str, code: int) -> None:
        log.error("%s", message)
        print(f"cxsidebar: {message}", file=sys.stderr)
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "cxsidebar",
            "",
            QMessageBox.StandardButton.Ok,
            self._sidebar.window,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(message)
        box.exec()
        self._app.exit(code)

    def _sign_in(self) -> None:
        from cxsidebar.credentials import TokenStore

        boot = self._sidebar.boot
        boot.token_store = boot.token_store or TokenStore()
        token = ask_token(self._sidebar.settings, boot.token_store)
        if token is None:
            self._app.exit(2)  # the agent cancelled the sign-in
        else:
            boot.start(token)

    def _ready(self, _worker: object) -> None:
        settings, store = self._sidebar.settings, self._sidebar.boot.token_store
        if store is not None and not settings.token:  # the keystore's token: forget if refused
            self._refused = RefusedTokenHandler(settings, store)
            self._sidebar.bridge.connection.connect(self._refused.on_connection)
