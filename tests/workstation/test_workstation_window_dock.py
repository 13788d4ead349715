"""A first start docks the window as a narrow sidebar at the right edge of the screen;
a remembered geometry wins over that."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt

from cxsidebar.settings import Settings
from cxsidebar.ui import MainWindow
from cxsidebar.ui.main_window import NARROW
from cxsidebar.window_memory import (
    SIDEBAR_HEIGHT,
    SIDEBAR_WIDTH,
    TITLE_BAR_ALLOWANCE,
    restore_window,
    sidebar_geometry,
    window_state,
)


class Quiet:
    def pop(self, window: object) -> None:
        pass

    def notify(self, window: object, title: str, message: str) -> None:
        pass

    def announce(self, window: object, message: str) -> None:
        pass


def test_the_sidebar_sits_at_the_right_edge_of_a_desktop_screen():
    assert SIDEBAR_WIDTH < NARROW  # the narrow layout: the queue above the context
    place = sidebar_geometry(QRect(100, 20, 1920, 1040))
    assert place == QRect(100 + 1920 - SIDEBAR_WIDTH, 20, SIDEBAR_WIDTH, SIDEBAR_HEIGHT)


def test_a_short_screen_gets_a_shorter_sidebar_that_still_fits():
    place = sidebar_geometry(QRect(0, 0, 1366, 728))
    assert place.height() == 728 - TITLE_BAR_ALLOWANCE
    assert place.right() == 1365
    assert place.width() == SIDEBAR_WIDTH


def test_the_window_minimum_wins_on_a_tiny_screen():
    place = sidebar_geometry(QRect(0, 0, 320, 480), minimum=(360, 520))
    assert place.size() == QSize(360, 520)


def test_a_first_start_docks_the_window_in_the_narrow_layout(qtbot):
    window = MainWindow(notifier=Quiet())
    qtbot.addWidget(window)
    restore_window(window, Settings(), {})  # nothing remembered
    screen = window.screen()
    assert screen is not None
    expected = sidebar_geometry(
        screen.availableGeometry(), (window.minimumWidth(), window.minimumHeight())
    )
    assert window.size() == expected.size()
    assert window.pos() == expected.topLeft()
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.main_splitter.orientation() == Qt.Orientation.Vertical)
    assert window.width() < NARROW


def test_a_remembered_geometry_wins_over_docking(qtbot):
    first = MainWindow(notifier=Quiet())
    qtbot.addWidget(first)
    first.resize(700, 600)  # fits the test screen (restoreGeometry clamps)
    state = window_state(first)

    second = MainWindow(notifier=Quiet())
    qtbot.addWidget(second)
    restore_window(second, Settings(), state)
    assert second.size() == QSize(700, 600)
