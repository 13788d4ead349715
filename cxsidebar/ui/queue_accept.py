"""The "Accept" button drawn on open queue rows in the "pop when I accept" mode.

No widget per row: the queue's delegate paints the button and hit-tests clicks
with `accept_rect`; Enter on a row does the same from the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette

ACCEPT_TEXT = "Accept"
PAD = 6


def accept_rect(row: QRect, font: QFont) -> QRect:
    """Where the button sits: the right end of the row's second line."""
    metrics = QFontMetrics(font)
    width = metrics.horizontalAdvance(ACCEPT_TEXT) + PAD * 3
    height = metrics.height() + PAD // 2
    bottom = row.bottom() - PAD + 1
    return QRect(row.right() - PAD * 2 - width, bottom - height, width, height)


def paint_accept(painter: QPainter, rect: QRect, palette: QPalette, font: QFont) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.Button))
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(palette.color(QPalette.ColorRole.Link))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 4, 4)
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, ACCEPT_TEXT)
    painter.restore()
