"""SIGTERM, SIGINT and SIGHUP end the sidebar the way closing its window does.

A session logout, `kill` or Ctrl+C in a terminal would otherwise stop Python
in the middle of Qt's event loop: no window state saved, no worker stopped.
Python runs a signal handler only when it next executes bytecode, which an
idle Qt event loop never does, so the signal is routed through a socket that
Qt watches (`signal.set_wakeup_fd` + `QSocketNotifier`): the loop wakes,
quits, and `run_sidebar` saves the window and stops the worker as on close.
Windows has only Ctrl+C (SIGINT) of these; it takes the same path.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from types import FrameType

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier

log = logging.getLogger("cxsidebar")

QUIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)

_Handler = Callable[[int, FrameType | None], object] | int | None


class _SignalQuit(QObject):
    """Reads the signal numbers the wakeup socket carries and quits the application."""

    def __init__(self, receiver: socket.socket, quit_app: Callable[[], None]) -> None:
        super().__init__()
        self._receiver = receiver
        self._quit = quit_app
        self.notifier = QSocketNotifier(receiver.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._woken)

    def _woken(self) -> None:
        try:
            numbers = self._receiver.recv(64)
        except OSError:  # BlockingIOError: woken with nothing to read
            return
        for number in numbers:
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = str(number)
            log.info("quitting on %s", name)
        if numbers:
            self._quit()


def _ignore(_number: int, _frame: FrameType | None) -> None:
    """The Python-level handler: the work happens on the event loop (`_SignalQuit`)."""


@contextlib.contextmanager
def quit_on_signals(
    quit_app: Callable[[], None] = QCoreApplication.quit,
    signals: tuple[int, ...] = QUIT_SIGNALS,
) -> Iterator[None]:
    """While inside (on the main thread, around `app.exec()`), `signals` call `quit_app`.

    A signal that arrives before the event loop runs stays in the socket and
    quits it as soon as it starts. Afterwards the previous handlers and wakeup
    fd are back, so a signal during the shutdown itself acts as before.
    """
    receiver, sender = socket.socketpair()
    for end in (receiver, sender):
        end.setblocking(False)
    watcher = _SignalQuit(receiver, quit_app)
    previous: dict[int, _Handler] = {}
    old_fd = signal.set_wakeup_fd(sender.fileno(), warn_on_full_buffer=False)
    try:
        for number in signals:
            previous[number] = signal.signal(number, _ignore)
        yield
    finally:
        for number, handler in previous.items():
            if handler is not None:  # None: not set from Python, nothing to put back
                signal.signal(number, handler)
        signal.set_wakeup_fd(old_fd)
        watcher.notifier.setEnabled(False)
        del watcher  # before its socket closes
        receiver.close()
        sender.close()
