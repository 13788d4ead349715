"""The Unix single-instance socket: Qt's QLocalSocket/QLocalServer of an older sidebar find
it at the same path, strangers cannot connect, junk is dropped, release cleans up."""

from __future__ import annotations

import os
import socket
import stat
import sys

import pytest
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from cxsidebar.single import (
    MAX_REQUEST,
    RAISE,
    SingleInstance,
    UnixListener,
    ask_unix,
    socket_path,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix-domain sockets")


@pytest.fixture
def path(tmp_path) -> str:
    return str(tmp_path / "single.sock")


def test_a_relative_name_lives_where_qt_puts_it(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert socket_path("cxsidebar-abc") == str(tmp_path / "cxsidebar-abc")
    assert socket_path("/run/user/1/x.sock") == "/run/user/1/x.sock"
    monkeypatch.delenv("TMPDIR")
    assert socket_path("cxsidebar-abc") == "/tmp/cxsidebar-abc"  # noqa: S108  # Qt's default


def closed_by_the_listener(client: socket.socket) -> bool:
    try:
        return client.recv(1) == b""
    except BlockingIOError:
        return False


def test_the_socket_is_for_this_user_only_and_release_removes_it(qapp, path):
    instance = SingleInstance(path)
    assert instance.claim()
    try:
        mode = os.lstat(path).st_mode
        assert stat.S_ISSOCK(mode)
        assert stat.S_IMODE(mode) == 0o600
    finally:
        instance.release()
    assert not os.path.exists(path)
    instance.release()  # twice is harmless


def test_an_older_sidebar_with_qt_local_sockets_raises_this_one(qtbot, path):
    instance = SingleInstance(path)
    assert instance.claim()
    try:
        with qtbot.waitSignal(instance.raise_requested, timeout=5000):
            older = QLocalSocket()
            older.connectToServer(path)
            assert older.waitForConnected(1000)
            older.write(RAISE)
            assert older.waitForBytesWritten(1000)
            older.disconnectFromServer()
    finally:
        instance.release()


def test_this_sidebar_raises_an_older_one_listening_with_qt(qtbot, path):
    older = QLocalServer()
    assert older.listen(path)
    try:
        assert ask_unix(path, 1000)
        qtbot.waitUntil(older.hasPendingConnections, timeout=5000)
        assert not SingleInstance(path).claim()  # it answers: no second sidebar
    finally:
        older.close()


def test_junk_and_silent_clients_are_dropped_without_a_raise(qtbot, path):
    raised: list[bool] = []
    listener = UnixListener(path, lambda: raised.append(True), None)  # type: ignore[arg-type]
    strangers = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
    try:
        for stranger in strangers:
            stranger.settimeout(2)
            stranger.connect(path)
        strangers[0].sendall(b"x" * (MAX_REQUEST * 2))
        strangers[0].setblocking(False)
        strangers[1].close()  # connects and leaves without a word
        qtbot.waitUntil(lambda: closed_by_the_listener(strangers[0]), timeout=5000)
        assert raised == []
        assert ask_unix(path, 1000)
        qtbot.waitUntil(lambda: raised == [True], timeout=5000)
    finally:
        for stranger in strangers:
            stranger.close()
        listener.close()
        listener.deleteLater()


def test_a_file_that_is_not_a_socket_is_never_removed(qapp, path):
    with open(path, "w", encoding="utf-8") as other:
        other.write("not ours")
    with pytest.raises(RuntimeError, match="cannot listen"):
        SingleInstance(path).claim()
    with open(path, encoding="utf-8") as kept:
        assert kept.read() == "not ours"
