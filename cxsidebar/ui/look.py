"""Light and dark: follow the desktop (`styleHints().colorScheme()`) or force one.

The palette is the application's, so menus, toasts and the window agree; custom
painted colours (chips, SLA stripes, transcript marks) read the palette's
lightness and pick their light or dark variant from it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

COLOR_SCHEMES = ("auto", "light", "dark")

_DARK = {
    QPalette.ColorRole.Window: "#202124",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#181a1c",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.ToolTipBase: "#303134",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#303134",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#3c4043",
    QPalette.ColorRole.Midlight: "#35363a",
    QPalette.ColorRole.Mid: "#2a2b2e",
    QPalette.ColorRole.Dark: "#111213",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#8ab4f8",
    QPalette.ColorRole.HighlightedText: "#202124",
    QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.LinkVisited: "#c58af9",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f8f9fa",
    QPalette.ColorRole.WindowText: "#202124",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f1f3f4",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#202124",
    QPalette.ColorRole.PlaceholderText: "#5f6368",
    QPalette.ColorRole.Text: "#202124",
    QPalette.ColorRole.Button: "#f1f3f4",
    QPalette.ColorRole.ButtonText: "#202124",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#ffffff",
    QPalette.ColorRole.Midlight: "#e8eaed",
    QPalette.ColorRole.Mid: "#bdc1c6",
    QPalette.ColorRole.Dark: "#9aa0a6",
    QPalette.ColorRole.Shadow: "#5f6368",
    QPalette.ColorRole.Highlight: "#1a56c4",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#1a56c4",
    QPalette.ColorRole.LinkVisited: "#8e24aa",
}


def scheme_palette(dark: bool) -> QPalette:
    palette = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    disabled = QColor("#6f7378" if dark else "#9aa0a6")
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def desktop_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark_scheme(scheme: str) -> bool:
    """Whether `scheme` shows dark now: forced, or what the desktop asks for."""
    if scheme not in COLOR_SCHEMES:
        raise ValueError(f"color scheme must be one of {COLOR_SCHEMES}, got {scheme!r}")
    return scheme == "dark" or (scheme == "auto" and desktop_is_dark())


def apply_color_scheme(scheme: str) -> bool:
    """Give the application the palette of `scheme`; returns whether it is dark.

    "auto" follows the desktop. A desktop that reports no preference (Xvfb,
    offscreen) reads as light, with our own light palette so both look alike.
    """
    dark = is_dark_scheme(scheme)
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return dark
    hints = app.styleHints()
    if scheme == "auto":
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    app.setPalette(scheme_palette(dark))
    return dark


def restyle(root: QWidget) -> None:
    """Make a built widget tree take the application's new palette.

    A widget polished under a style sheet keeps a copy of the palette it had
    then, and a dimmed label its own text colour. So: drop the sheets, let
    every palette inherit again, dim again, and put the sheets back.
    """
    from .text import dim  # text.py imports nothing from here; kept local to stay one-way

    widgets = [root, *root.findChildren(QWidget)]
    sheets = [(widget, widget.styleSheet()) for widget in widgets if widget.styleSheet()]
    for widget, _ in sheets:
        widget.setStyleSheet("")
    for widget in widgets:
        widget.setPalette(QPalette())  # inherit the application's palette again
        if widget.property("dimmed") and isinstance(widget, QLabel):
            dim(widget)
    for widget, sheet in sheets:
        widget.setStyleSheet(sheet)
