"""PySide6 widgets, models and delegates. Shows state; never does I/O itself."""

from .main_window import MainWindow
from .notify import DesktopNotifier, Notifier, Toast

__all__ = ["DesktopNotifier", "MainWindow", "Notifier", "Toast"]
