"""Where the arrival toast goes: never over a sidebar docked at the right edge."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize

from cxsidebar.ui.notify import toast_position

SCREEN = QRect(0, 0, 1920, 1040)
TOAST = QSize(320, 120)


def test_bottom_right_when_nothing_is_there():
    assert toast_position(SCREEN, None, TOAST) == QPoint(1919 - 320 - 16, 1039 - 120 - 16)
    assert toast_position(SCREEN, QRect(100, 100, 800, 600), TOAST) == QPoint(1583, 903)


def test_left_of_a_sidebar_docked_at_the_right_edge():
    sidebar = QRect(1460, 0, 460, 1000)
    place = toast_position(SCREEN, sidebar, TOAST)
    assert not sidebar.intersects(QRect(place, TOAST))
    assert place == QPoint(1460 - 320 - 16, 903)


def test_corner_kept_when_the_window_fills_the_screen():
    assert toast_position(SCREEN, QRect(0, 0, 1920, 1040), TOAST) == QPoint(1583, 903)
