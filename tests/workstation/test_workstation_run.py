"""Two real sidebar processes in one session: the second raises the first and exits."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from support.sidebar_log import DEADLINE, wait_for_log


@pytest.mark.skipif(sys.platform == "win32", reason="uses XDG directories")
def test_a_second_launch_raises_the_first_and_exits(hub, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXSIDEBAR_")} | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_SESSION_ID": uuid.uuid4().hex,  # a session of our own: no clash with a real sidebar
        "CXSIDEBAR_TOKEN": hub.agent_token,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    command = [sys.executable, "-m", "cxsidebar", "--hub-url", hub.url]
    log = tmp_path / "state" / "cxsidebar" / "log" / "cxsidebar.log"
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_log(log, "started (instance cxsidebar-", first)
        second = subprocess.run(
            command, env=env, capture_output=True, timeout=DEADLINE, check=False
        )
        assert second.returncode == 0
        wait_for_log(log, "a second launch asked for the window", first)
        assert log.read_text(encoding="utf-8").count("started (instance") == 1
        assert first.poll() is None  # the first one still runs
    finally:
        first.terminate()
        first.wait(DEADLINE)
