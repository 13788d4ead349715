"""Two real sidebar processes in one session: the second raises the first and exits."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.sidebar_log import DEADLINE, sidebar_env, wait_for_log


@pytest.mark.skipif(sys.platform == "win32", reason="uses XDG directories")
def test_a_second_launch_raises_the_first_and_exits(hub, tmp_path):
    env = sidebar_env(tmp_path, hub.agent_token)
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
