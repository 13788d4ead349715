"""SIGTERM, SIGINT and SIGHUP end the sidebar as closing its window does: state saved, exit 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
from PySide6.QtCore import QTimer
from support.sidebar_log import DEADLINE, sidebar_env, wait_for_log

from cxsidebar.shutdown import QUIT_SIGNALS, quit_on_signals
from cxsidebar.ui.window_state import STATE_VERSION

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and XDG dirs")


@posix_only
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=str)
def test_a_signal_saves_the_window_and_exits_zero(hub, tmp_path, number):
    env = sidebar_env(tmp_path, hub.agent_token)
    # What an earlier session left: the process must read it and write it back, with its geometry.
    memory = tmp_path / "data" / "cxsidebar" / "window.json"
    memory.parent.mkdir(parents=True)
    before = {"version": STATE_VERSION, "always_on_top": True, "pop_mode": "notify"}
    memory.write_text(json.dumps(before), encoding="utf-8")
    log = tmp_path / "state" / "cxsidebar" / "log" / "cxsidebar.log"
    command = [sys.executable, "-m", "cxsidebar", "--hub-url", hub.url]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_log(log, "hub connection: live", process)  # painted, worker and store running
        process.send_signal(number)
        assert process.wait(DEADLINE) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(DEADLINE)
    after = json.loads(memory.read_text(encoding="utf-8"))
    assert after["pop_mode"] == "notify"
    assert after["always_on_top"] is True
    assert after["geometry"]  # written by the window, not left from before
    assert after["main_splitter"]
    assert f"quitting on {signal.Signals(number).name}" in log.read_text(encoding="utf-8")


@posix_only
def test_a_signal_quits_the_event_loop_through_qt(qapp):
    quits: list[bool] = []

    def quit_app() -> None:
        quits.append(True)
        qapp.quit()

    failsafe = QTimer()  # bounded: a loop that never hears the signal ends after 10 s
    failsafe.setSingleShot(True)
    failsafe.timeout.connect(qapp.quit)
    failsafe.start(10_000)
    QTimer.singleShot(0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    with quit_on_signals(quit_app):
        qapp.exec()
    failsafe.stop()
    assert quits == [True]
    assert signal.getsignal(signal.SIGTERM) is before  # put back afterwards


@posix_only
def test_a_signal_before_the_loop_runs_quits_it_once_it_does(qapp):
    quits: list[bool] = []
    failsafe = QTimer()
    failsafe.setSingleShot(True)
    failsafe.timeout.connect(qapp.quit)
    failsafe.start(10_000)
    with quit_on_signals(lambda: (quits.append(True), qapp.quit())):
        os.kill(os.getpid(), signal.SIGHUP)  # handled now: only noted in the socket
        qapp.exec()
    failsafe.stop()
    assert quits == [True]


def test_the_wakeup_fd_is_put_back():
    marker, other = socket.socketpair()
    marker.setblocking(False)
    old = signal.set_wakeup_fd(marker.fileno())
    try:
        with quit_on_signals(lambda: None):
            pass
        assert signal.set_wakeup_fd(marker.fileno()) == marker.fileno()
    finally:
        signal.set_wakeup_fd(old)
        marker.close()
        other.close()
    assert signal.SIGTERM in QUIT_SIGNALS
