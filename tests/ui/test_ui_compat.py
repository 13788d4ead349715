"""The installed PySide6 does not leak references to None.

PySide6-Essentials 6.12.0 on Python 3.11 drops one reference to None per void
call until the interpreter aborts; pyproject.toml keeps it out. This test
fails if a build with that defect comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont


def test_void_qt_calls_keep_none_references(qapp):
    font = QFont()
    font.setBold(True)  # warm up any lazily created binding state
    before = sys.getrefcount(None)
    for _ in range(1_000):
        font.setBold(True)
    assert sys.getrefcount(None) >= before - 10
