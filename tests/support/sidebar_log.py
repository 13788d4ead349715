"""Waiting on a real sidebar process: its log is the only signal it gives another process."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

DEADLINE = 30.0  # seconds, for each wait


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
