"""Waiting on a real sidebar process: its log is the only signal it gives another process."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

DEADLINE = 30.0  # seconds, for each wait


def sidebar_env(tmp_path: Path, token: str) -> dict[str, str]:
    """The environment of a real sidebar process: offscreen, its own XDG folders under
    `tmp_path` and desktop session, signed in with `token`, no system keyring."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CXSIDEBAR_")} | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_SESSION_ID": uuid.uuid4().hex,  # a session of our own: no clash with a real sidebar
        "CXSIDEBAR_TOKEN": token,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def wait_for_log(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    """Bounded: until `text` is in the log, the process died, or the deadline passed."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if log.is_file() and text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(f"the sidebar exited with {process.returncode} before logging {text!r}")
        time.sleep(0.1)  # another process's file: nothing to wait on but the deadline
    pytest.fail(f"no {text!r} in {log} within {DEADLINE} s")
