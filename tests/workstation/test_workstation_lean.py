"""What keeps the sidebar process lean: no source text kept by PySide's import hook, and
start-up objects left out of garbage collection, only in a sidebar process of its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run_python(code: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_modules_imported_after_the_boot_leave_no_source_in_the_line_cache(tmp_path):
    (tmp_path / "uses_qt.py").write_text("import PySide6.QtCore\n", encoding="utf-8")
    (tmp_path / "plain.py").write_text("VALUE = 1\n", encoding="utf-8")
    out = run_python(
        """
        import sys
        sys.path.insert(0, ".")
        import linecache
        import cxsidebar.boot
        import uses_qt, plain, json.tool

        files = [name for name, entry in linecache.cache.items() if len(entry) == 4]
        print("cached", len(files))
        answers = sys.modules["shibokensupport.feature"].pyside_feature_dict
        print("answers", answers["uses_qt"], answers["plain"])
        """,
        tmp_path,
    )
    assert "cached 0" in out  # PySide's own check filled it with every module's lines
    assert "answers 0 -1" in out  # the same answers as PySide's check: uses PySide6 or not


def test_the_heap_is_settled_only_in_a_process_that_asked(tmp_path):
    out = run_python(
        """
        import gc
        from cxsidebar.boot import settle_heap, settle_heap_after_start

        default = gc.get_threshold()
        settle_heap()
        print("before", gc.get_freeze_count(), gc.get_threshold() == default)
        settle_heap_after_start()
        settle_heap()
        print("after", gc.get_freeze_count() > 0, gc.get_threshold()[0])
        """,
        tmp_path,
    )
    assert "before 0 True" in out
    assert "after True 5000" in out
