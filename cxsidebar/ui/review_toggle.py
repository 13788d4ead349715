"""The main window's "Review" toggle: hidden until the token's role allows Review mode.

A checkable action (its shortcut is active window-wide, like the other actions)
shown as a tool button beside the header.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton, QWidget

REVIEW_KEY = "Ctrl+Shift+V"  # not in keys.KEYS: the action exists only for supervisors


def review_toggle(window: QWidget) -> QToolButton:
    """The button; its action is `button.defaultAction()`, added to `window` for the shortcut."""
    action = QAction("Review", window, checkable=True)
    action.setShortcut(QKeySequence(REVIEW_KEY))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"Review mode: context-quality reports ({REVIEW_KEY})")
    action.setEnabled(False)
    window.addAction(action)
    button = QToolButton(window)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    button.setVisible(False)
    button.setAccessibleName("Review mode")
    button.setAccessibleDescription(
        f"Context-quality reports for supervisors; {REVIEW_KEY} goes back to the queue"
    )
    return button
