"""One sidebar per user session: the first instance listens on a local socket,
a second launch asks it to raise its window and exits.

Connect first, listen only when nobody answers: a socket file left behind by a
killed instance refuses connections, and only then is it removed.

On Unix the socket is a Unix-domain socket from the standard library, watched by
a `QSocketNotifier`, at the path Qt's `QLocalServer` gives the same name (so
sidebars of either kind find each other): the process never loads QtNetwork,
about 2.5 MiB of memory. Windows keeps Qt's named pipes (`cxsidebar.single_qt`).
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import logging
import os
import socket
import stat
import sys
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QSocketNotifier, Signal

log = logging.getLogger("cxsidebar")

RAISE = b"raise\n"
QT_LOCAL_SOCKETS = sys.platform == "win32"  # no AF_UNIX in Python there: Qt's named pipes
MAX_CLIENTS = 8  # launches asking at the same moment; more are turned away
MAX_REQUEST = 64  # bytes a client may send before it is dropped


def default_name() -> str:
    """Per user and per session (RDS/Citrix give each session its own id)."""
    session = os.environ.get("SESSIONNAME", "") + os.environ.get("XDG_SESSION_ID", "")
    digest = hashlib.sha256(f"{getpass.getuser()}|{session}".encode()).hexdigest()[:16]
    return f"cxsidebar-{digest}"


def socket_path(name: str) -> str:
    """Where `QLocalServer` listens for `name` on Unix: as given if absolute, else in $TMPDIR."""
    if name.startswith("/"):
        return name
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", name)  # noqa: S108  # Qt's tempPath


def ask_unix(path: str, timeout_ms: int) -> bool:
    """True when an instance listens at `path` and took the request to raise its window."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout_ms / 1000)
        try:
            client.connect(path)
            client.sendall(RAISE)
        except OSError:  # no file, nobody listening (a stale file), timed out
            return False
    return True


def remove_stale(path: str) -> None:
    """Remove a socket file nobody listens on; anything else at `path` stays (listen fails)."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)


class UnixListener(QObject):
    """Listens at `path` for this user only; calls `on_raise` per request; `close()` stops."""

    def __init__(self, path: str, on_raise: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._path = path
        self._on_raise = on_raise
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier, bytearray]] = {}
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            os.chmod(path, 0o600)  # before listen(): until then nobody can connect
            listener.listen(MAX_CLIENTS)
            listener.setblocking(False)
            self._inode = os.lstat(path).st_ino
        except OSError as exc:
            listener.close()
            raise RuntimeError(f"cannot listen on {path!r}: {exc}") from exc
        self._listener: socket.socket | None = listener
        self._notifier = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)

    def close(self) -> None:
        for fd in list(self._clients):
            self._drop(fd)
        if self._listener is None:
            return
        self._notifier.setEnabled(False)
        self._notifier.activated.disconnect(self._accept)
        self._listener.close()
        self._listener = None
        with contextlib.suppress(OSError):  # as QLocalServer does; only our own file
            if os.lstat(self._path).st_ino == self._inode:
                os.unlink(self._path)

    def _accept(self, *_: object) -> None:
        while self._listener is not None:
            try:
                client, _address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("single-instance socket: %s", exc)
                return
            if len(self._clients) >= MAX_CLIENTS:
                client.close()
                continue
            client.setblocking(False)
            notifier = QSocketNotifier(client.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(self._read)
            self._clients[client.fileno()] = (client, notifier, bytearray())

    def _read(self, *_: object) -> None:
        for fd, (client, _notifier, received) in list(self._clients.items()):
            try:
                chunk = client.recv(MAX_REQUEST)
            except (BlockingIOError, InterruptedError):
                continue  # not this one
            except OSError:
                chunk = b""
            received += chunk
            if RAISE.strip() in received:
                self._drop(fd)
                self._on_raise()
            elif not chunk or len(received) > MAX_REQUEST:  # closed, or not a sidebar
                self._drop(fd)

    def _drop(self, fd: int) -> None:
        client, notifier, _received = self._clients.pop(fd)
        notifier.setEnabled(False)
        notifier.activated.disconnect(self._read)
        notifier.deleteLater()
        client.close()


class Listener(Protocol):
    def close(self) -> None: ...


class SingleInstance(QObject):
    """`claim()` → True: we are the instance (and listen); False: another one was raised."""

    raise_requested = Signal()

    def __init__(self, name: str | None = None, *, timeout_ms: int = 1000) -> None:
        super().__init__()
        self.name = name or default_name()
        self._timeout_ms = timeout_ms
        self._listener: Listener | None = None

    def claim(self) -> bool:
        if QT_LOCAL_SOCKETS:
            from cxsidebar import single_qt

            if single_qt.ask(self.name, self._timeout_ms):
                return False
            self._listener = single_qt.QtLocalListener(self.name, self.raise_requested.emit, self)
            return True
        path = socket_path(self.name)
        if ask_unix(path, self._timeout_ms):
            return False
        remove_stale(path)  # nobody answered: a stale socket, if any
        self._listener = UnixListener(path, self.raise_requested.emit, self)
        return True

    def release(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
