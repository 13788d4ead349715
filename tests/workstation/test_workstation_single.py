"""One sidebar per session: a second launch raises the first; a stale socket is recovered."""

from __future__ import annotations

import socket
import sys

import pytest

from cxsidebar.single import SingleInstance, default_name


@pytest.fixture
def name(tmp_path) -> str:
    return str(tmp_path / "single.sock")


def test_second_launch_raises_the_first(qtbot, name):
    first = SingleInstance(name)
    assert first.claim()
    try:
        second = SingleInstance(name)
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert not second.claim()
    finally:
        first.release()


def test_after_release_the_next_launch_owns_the_session(qapp, name):
    first = SingleInstance(name)
    assert first.claim()
    first.release()
    again = SingleInstance(name)
    assert again.claim()
    again.release()


@pytest.mark.skipif(sys.platform == "win32", reason="Unix-domain socket files")
def test_a_stale_socket_from_a_killed_instance_is_replaced(qapp, name):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(name)  # a socket file nobody listens on, as after SIGKILL
    stale.close()
    instance = SingleInstance(name)
    assert instance.claim()
    instance.release()


def test_the_default_name_is_per_user_and_stable():
    assert default_name() == default_name()
    assert default_name().startswith("cxsidebar-")
