"""The single-instance channel over Qt's local sockets (named pipes), for Windows.

Elsewhere `cxsidebar.single` uses a Unix-domain socket from the standard library
and never loads QtNetwork.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"


def ask(name: str, timeout_ms: int) -> bool:
    """True when an instance listens on `name` and took the request to raise its window."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(RAISE)
    sent = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return sent


class QtLocalListener(QObject):
    """Listens on `name` (a stale server of that name is removed first); `close()` stops."""

    def __init__(self, name: str, on_raise: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_raise = on_raise
        self._clients: list[QLocalSocket] = []  # bound-method slots only: no lambdas
        QLocalServer.removeServer(name)  # nobody answered: a stale socket, if any
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            raise RuntimeError(f"cannot listen on {name!r}: {server.errorString()}")
        server.newConnection.connect(self._on_connection)
        self._server: QLocalServer | None = server

    def close(self) -> None:
        for socket in self._clients:
            socket.readyRead.disconnect(self._read)
            socket.abort()
        self._clients.clear()
        if self._server is not None:
            self._server.newConnection.disconnect(self._on_connection)
            self._server.close()
            self._server = None

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._clients.append(socket)
            socket.readyRead.connect(self._read)
        self._read()

    def _read(self) -> None:
        for socket in list(self._clients):
            if socket.bytesAvailable() and RAISE.strip() in bytes(socket.readAll().data()):
                self._on_raise()
            if socket.state() is QLocalSocket.LocalSocketState.UnconnectedState:
                self._clients.remove(socket)
                socket.readyRead.disconnect(self._read)
                socket.deleteLater()
