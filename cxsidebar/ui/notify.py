"""Telling the agent that a customer is waiting: screen-pop, tray message or toast, speech.

The main window decides *when* (pop mode, arrival); a `Notifier` decides *how*.
Tests pass a stub; the default, `DesktopNotifier`, uses the desktop.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QCloseEvent, QIcon, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from .text import markup_escape, plain_label

try:
    from PySide6.QtGui import QAccessibleAnnouncementEvent as _Announcement
except ImportError:  # Qt before 6.8
    _Announcement = None  # type: ignore[assignment, misc]

TOAST_MS = 6000


class Notifier(Protocol):
    """How the window gets the agent's attention. Text arrives cleaned, as plain text.

    A notifier may also have `dismiss()`, which the window calls when it closes,
    and an `accepted` signal (the agent chose "Accept" on the toast or clicked
    the tray message), which the window connects to `accept_escalation`.
    """

    def pop(self, window: QWidget) -> None:
        """Bring `window` to the front (pop mode only)."""

    def notify(self, window: QWidget, title: str, message: str) -> None:
        """A passing notification: tray message or in-app toast."""

    def announce(self, window: QWidget, message: str) -> None:
        """Say `message` to a screen reader."""


class Toast(QFrame):
    """A small frameless always-on-top note; closes itself; a click raises the window.

    "Accept" (also Ctrl+Shift+A in the window) opens the escalation it announces.
    """

    clicked = Signal()
    accepted = Signal()
    closed = Signal()

    def __init__(
        self, title: str, message: str, parent: QWidget | None = None, *, timeout_ms: int = TOAST_MS
    ) -> None:
        flags = (
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        super().__init__(parent, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setObjectName("toast")
        self.setFrameShape(QFrame.Shape.Box)
        self.setStyleSheet("#toast { background: palette(window); border: 2px solid #1a56c4; }")
        self.setAccessibleName("New escalation")
        self.title_label = plain_label(title, self, name="Toast title")
        self.title_label.setStyleSheet("font-weight: bold;")
        self.message_label = plain_label(message, self, name="Toast message", wrap=True)
        self.accept_button = QPushButton("Accept", self)
        self.accept_button.setAccessibleName("Accept: open this escalation")
        self.accept_button.clicked.connect(self._accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.message_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.accept_button)
        layout.addLayout(buttons)
        self.setFixedWidth(320)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self.close)

    def show_near(self, window: QWidget) -> None:
        """Bottom right of the screen, or left of the sidebar when it is docked there."""
        self.adjustSize()
        screen = window.screen().availableGeometry() if window.screen() else None
        if screen is not None:
            shown = window.frameGeometry() if window.isVisible() else None
            self.move(toast_position(screen, shown, self.size()))
        self.show()
        self.timer.start()

    def _accept(self) -> None:
        self.accepted.emit()
        QTimer.singleShot(0, self, self.close)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.closed.emit()
        super().closeEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            QTimer.singleShot(0, self, self.close)  # not while Qt still delivers this event


class DesktopNotifier(QObject):
    """The default: raise and alert, tray message when the desktop has one, else a toast."""

    accepted = Signal()  # "Accept" on the toast, or a click on the tray message

    def __init__(
        self, parent: QObject | None = None, *, icon: QIcon | None = None, toast_ms: int = TOAST_MS
    ) -> None:
        super().__init__(parent)
        self._icon = icon or QIcon()
        self._toast_ms = toast_ms
        self._tray: QSystemTrayIcon | None = None
        self._window: QWidget | None = None
        self.toast: Toast | None = None

    def pop(self, window: QWidget) -> None:
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()
        QApplication.alert(window)

    def notify(self, window: QWidget, title: str, message: str) -> None:
        self._window = window
        tray = self._tray_for(window)
        if tray is not None:
            # Freedesktop servers may parse markup in the body; escape it.
            tray.showMessage(
                markup_escape(title), markup_escape(message), self._icon, self._toast_ms
            )
            return
        if self.toast is not None:
            self.toast.close()
        # Slots are methods, not lambdas capturing the toast: such a closure, released
        # while Qt deletes the toast, crashed PySide6 6.12 (bus error in ~QObject).
        toast = Toast(title, message, window, timeout_ms=self._toast_ms)
        toast.clicked.connect(self._raise_window)
        toast.accepted.connect(self.accepted)
        toast.closed.connect(self._toast_closed)
        self.toast = toast
        toast.show_near(window)

    def announce(self, window: QWidget, message: str) -> None:
        if _Announcement is None:  # Qt before 6.8 cannot announce
            return
        QAccessible.updateAccessibility(_Announcement(window, message))

    def dismiss(self) -> None:
        """Close a toast still on screen (the window is closing)."""
        if self.toast is not None:
            self.toast.close()

    def _raise_window(self) -> None:
        if self._window is not None:
            self.pop(self._window)

    def _toast_closed(self) -> None:
        if self.toast is not None and self.sender() is self.toast:
            self.toast = None

    def _tray_for(self, window: QWidget) -> QSystemTrayIcon | None:
        if not (QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()):
            return None
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._icon, window)
            self._tray.setToolTip("cxsidebar")
            self._tray.messageClicked.connect(self.accepted)
            self._tray.show()
        return self._tray


def toast_position(screen: QRect, window: QRect | None, size: QSize, margin: int = 16) -> QPoint:
    """Where the toast goes: the screen's bottom-right corner unless the window is there.

    A sidebar docked at the right edge would lose its rating form under the toast;
    then the toast sits just left of the window, when the screen has room for it.
    """
    corner = QPoint(
        screen.right() - size.width() - margin, screen.bottom() - size.height() - margin
    )
    if window is None or not window.intersects(QRect(corner, size)):
        return corner
    left = window.left() - size.width() - margin
    return QPoint(left, corner.y()) if left >= screen.left() else corner
