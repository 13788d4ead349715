"""The application icon: the SVG from `resources/` when it ships, else drawn here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

ICON_FILE = Path(__file__).resolve().parents[2] / "resources" / "cxsidebar.svg"


def app_icon() -> QIcon:
    if ICON_FILE.is_file():
        icon = QIcon(str(ICON_FILE))
        if not icon.isNull():
            return icon
    return QIcon(_drawn_icon(64))


def _drawn_icon(size: int) -> QPixmap:
    """A plain fallback in the icon's colours, for installs without the resources folder."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#1a56c4"))
    painter.drawRoundedRect(QRectF(2, 2, size - 4, size - 4), size / 5, size / 5)
    painter.setBrush(QColor("#ffffff"))
    painter.drawRoundedRect(QRectF(size * 0.15, size * 0.2, size * 0.5, size * 0.35), 4, 4)
    painter.setBrush(QColor("#fbbc04"))
    painter.drawEllipse(QRectF(size * 0.6, size * 0.5, size * 0.25, size * 0.25))
    painter.end()
    return pixmap
