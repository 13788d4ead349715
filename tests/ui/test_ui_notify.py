"""The default notifier: screen-pop, toast when there is no tray, announcements."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from cxsidebar.ui import DesktopNotifier, MainWindow, Toast
from cxsidebar.ui.notify import TOAST_MS


def make_window(qtbot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(300, 200)
    return window


def test_pop_shows_raises_and_activates(qtbot):
    window = make_window(qtbot)
    notifier = DesktopNotifier(window)
    window.showMinimized()
    notifier.pop(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.isVisible()
    assert not window.isMinimized()


def test_without_a_tray_a_toast_shows_and_closes_itself(qtbot):
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen has none
    window = make_window(qtbot)
    window.show()
    notifier = DesktopNotifier(window, toast_ms=50)
    notifier.notify(window, "New escalation: <b>Ana</b>", "billing · payment 740")
    toast = notifier.toast
    assert isinstance(toast, Toast)
    assert toast.isVisible()
    assert toast.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert toast.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert toast.title_label.text() == "New escalation: <b>Ana</b>"
    assert toast.title_label.textFormat() == Qt.TextFormat.PlainText
    assert toast.message_label.textFormat() == Qt.TextFormat.PlainText
    qtbot.waitUntil(lambda: notifier.toast is None)
    qtbot.waitUntil(lambda: not shiboken6.isValid(toast))  # closed and deleted


def test_clicking_the_toast_raises_the_window(qtbot):
    window = make_window(qtbot)
    window.showMinimized()
    notifier = DesktopNotifier(window)
    notifier.notify(window, "New escalation", "billing")
    toast = notifier.toast
    assert toast is not None
    assert toast.timer.interval() == TOAST_MS
    qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.isVisible() and not window.isMinimized())
    qtbot.waitUntil(lambda: notifier.toast is None)


def test_a_new_toast_replaces_the_old_one(qtbot):
    window = make_window(qtbot)
    window.show()
    notifier = DesktopNotifier(window)
    notifier.notify(window, "first", "")
    first = notifier.toast
    notifier.notify(window, "second", "")
    assert notifier.toast is not first
    assert notifier.toast.title_label.text() == "second"
    assert not shiboken6.isValid(first) or not first.isVisible()
    notifier.dismiss()
    assert notifier.toast is None


def test_announce_reaches_the_accessibility_layer_without_complaint(qtbot):
    window = make_window(qtbot)
    window.show()
    DesktopNotifier(window).announce(window, "New escalation from Ana")


def test_window_uses_the_desktop_notifier_by_default_and_closes_its_toast(qtbot, samples):
    window = MainWindow()
    qtbot.addWidget(window)
    assert isinstance(window.notifier, DesktopNotifier)
    window.show()
    qtbot.waitExposed(window)
    window.add_escalation(samples.item())
    toast = window.notifier.toast
    assert toast is not None
    assert toast.title_label.text() == "New escalation: Ana Kowalski"
    window.close()
    assert not shiboken6.isValid(toast) or not toast.isVisible()
