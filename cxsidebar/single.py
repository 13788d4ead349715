"""One sidebar per user session: the first instance listens on a local socket,
a second launch asks it to raise its window and exits.

Connect first, listen only when nobody answers: a socket file left behind by a
killed instance refuses connections, and only then is it removed.
"""

from __future__ import annotations

import getpass
import hashlib
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"


def default_name() -> str:
    """Per user and per session (RDS/Citrix give each session its own id)."""
    session = os.environ.get("SESSIONNAME", "") + os.environ.get("XDG_SESSION_ID", "")
    digest = hashlib.sha256(f"{getpass.getuser()}|{session}".encode()).hexdigest()[:16]
    return f"cxsidebar-{digest}"


class SingleInstance(QObject):
    """`claim()` → True: we are the instance (and listen); False: another one was raised."""

    raise_requested = Signal()

    def __init__(self, name: str | None = None, *, timeout_ms: int = 1000) -> None:
        super().__init__()
        self.name = name or default_name()
        self._timeout_ms = timeout_ms
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []  # bound-method slots only: no lambdas

    def claim(self) -> bool:
        if self._ask_running_instance():
            return False
        QLocalServer.removeServer(self.name)  # nobody answered: a stale socket, if any
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            raise RuntimeError(f"cannot listen on {self.name!r}: {server.errorString()}")
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        for socket in self._clients:
            socket.readyRead.disconnect(self._read)
            socket.abort()
        self._clients.clear()
        if self._server is not None:
            self._server.newConnection.disconnect(self._on_connection)
            self._server.close()
            self._server = None

    def _ask_running_instance(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(self._timeout_ms):
            return False
        socket.write(RAISE)
        sent = socket.waitForBytesWritten(self._timeout_ms)
        socket.disconnectFromServer()
        return sent

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._clients.append(socket)
            socket.readyRead.connect(self._read)
        self._read()

    def _read(self) -> None:
        for socket in list(self._clients):
            if socket.bytesAvailable() and RAISE.strip() in bytes(socket.readAll().data()):
                self.raise_requested.emit()
            if socket.state() is QLocalSocket.LocalSocketState.UnconnectedState:
                self._clients.remove(socket)
                socket.readyRead.disconnect(self._read)
                socket.deleteLater()
