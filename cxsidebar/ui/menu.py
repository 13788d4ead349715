"""The window menu: Settings…, Sign in again…, Sign out, Dead letters…, Quit.

Each entry is a QAction with a shortcut and an accessible name, active
window-wide; `WindowMenu` only emits signals, the app does the work.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolButton


class MenuEntry(NamedTuple):
    name: str  # the accessible name
    text: str  # menu text with its mnemonic
    key: str  # the shortcut


ENTRIES: tuple[MenuEntry, ...] = (
    MenuEntry("settings", "&Settings…", "Ctrl+,"),
    MenuEntry("sign in", "Sign &in again…", "Ctrl+Shift+I"),
    MenuEntry("sign out", "Sign &out", "Ctrl+Shift+O"),
    MenuEntry("dead letters", "Refused &ratings (dead letters)…", "Ctrl+Shift+L"),
)


class WindowMenu(QObject):
    """The "Window" menu of a main window. Quit reuses the window's own Quit action."""

    settings_requested = Signal()
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    dead_letters_requested = Signal()

    def __init__(self, window: QMainWindow, quit_action: QAction | None = None) -> None:
        super().__init__(window)
        self.menu: QMenu = window.menuBar().addMenu("&Window")
        self.menu.setAccessibleName("Window menu")
        self.actions: dict[str, QAction] = {}
        signals = {
            "settings": self.settings_requested,
            "sign in": self.sign_in_requested,
            "sign out": self.sign_out_requested,
            "dead letters": self.dead_letters_requested,
        }
        for entry in ENTRIES:
            action = QAction(entry.text, window)
            action.setShortcut(QKeySequence(entry.key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setObjectName(entry.name)
            action.setToolTip(entry.name.capitalize())
            action.triggered.connect(signals[entry.name].emit)
            window.addAction(action)
            self.menu.addAction(action)
            self.actions[entry.name] = action
        if quit_action is not None:
            self.menu.addSeparator()
            self.menu.addAction(quit_action)
            self.actions["quit"] = quit_action
        # For the header: shown while the hub refuses the token.
        self.sign_in_button = QToolButton(window)
        self.sign_in_button.setDefaultAction(self.actions["sign in"])
        self.sign_in_button.setText("Sign in…")
        self.sign_in_button.setAccessibleName("Sign in again")
        self.sign_in_button.setVisible(False)

    def set_signed_out(self, signed_out: bool) -> None:
        """Offer the Sign in button (the menu entry is always there)."""
        self.sign_in_button.setVisible(signed_out)
