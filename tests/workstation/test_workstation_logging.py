"""Logs rotate in the log folder; native crashes go to crash.log."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

from cxsidebar.startup import LOG_BACKUPS, setup_logging


def test_logs_go_to_a_rotating_file(tmp_path):
    setup = setup_logging(tmp_path / "log", "DEBUG", console=False)
    try:
        logging.getLogger("cxsidebar.test").info("hello from the test")
        rotating = setup.handlers[0]
        assert isinstance(rotating, logging.handlers.RotatingFileHandler)
        assert rotating.backupCount == LOG_BACKUPS
        rotating.flush()
        assert "hello from the test" in (tmp_path / "log" / "cxsidebar.log").read_text("utf-8")
        assert (tmp_path / "log" / "crash.log").exists()
    finally:
        setup.close()
    assert all(h not in logging.getLogger().handlers for h in setup.handlers)


def test_a_native_crash_is_written_to_crash_log(tmp_path):
    script = textwrap.dedent(f"""
        import faulthandler
        from pathlib import Path
        from cxsidebar.startup import setup_logging
        setup_logging(Path({str(tmp_path)!r}), "INFO", console=False)
        faulthandler._sigsegv()
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "Fatal Python error" in (tmp_path / "crash.log").read_text("utf-8")
