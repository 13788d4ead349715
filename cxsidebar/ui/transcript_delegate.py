"""Drawing one turn: speaker and time, the wrapped text, then intent, sentiment and marks.

Wrapped rows cannot have uniform sizes, so the delegate measures each row once
per view width and keeps the heights; a resize to a new width drops them. The
view lays rows out in batches, so only what is measured is ever laid out.
"""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from cxsidebar.core import Speaker

Index = QModelIndex | QPersistentModelIndex

TurnRole = Qt.ItemDataRole.UserRole + 1  # the Turn itself
SpeakerRole = Qt.ItemDataRole.UserRole + 2  # "customer" | "bot" | "system"
TimeRole = Qt.ItemDataRole.UserRole + 3  # "14:03:27", local time
TextRole = Qt.ItemDataRole.UserRole + 4  # cleaned text, line breaks as U+2028
MetaRole = Qt.ItemDataRole.UserRole + 5  # "intent billing (42%) · sentiment -0.60 negative" or ""
MarksRole = Qt.ItemDataRole.UserRole + 6  # "misunderstood · keyword" or "" (insight.turn_marks)

SPEAKER_NAMES = {Speaker.CUSTOMER: "Customer", Speaker.BOT: "Bot", Speaker.SYSTEM: "System"}
# (light theme, dark theme)
SPEAKER_COLOURS = {
    Speaker.CUSTOMER: ("#1a56c4", "#8ab4f8"),
    Speaker.BOT: ("#5f6368", "#bdc1c6"),
    Speaker.SYSTEM: ("#8e24aa", "#d7aefb"),
}
MARK_COLOURS = {"stripe": ("#e37400", "#fbbc04"), "tint": ("#fff4e5", "#3d3320")}
FIND_COLOURS = {"background": ("#fde293", "#8a6d00"), "text": ("#202124", "#ffffff")}
MAX_HIGHLIGHTS = 500  # per row: a 1 MB message full of matches stays cheap to paint


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def layout_text(
    text: str,
    font: QFont,
    width: float,
    formats: list[QTextLayout.FormatRange] | None = None,
) -> tuple[QTextLayout, float]:
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)
    if formats:
        layout.setFormats(formats)
    height = 0.0
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, height))
        height += line.height()
    layout.endLayout()
    return layout, height


class TranscriptDelegate(QStyledItemDelegate):
    """Speaker and time, the wrapped text, then intent/confidence, sentiment and marks."""

    PAD = 6
    STRIPE = 4

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._width = 400
        self._heights: dict[int, int] = {}
        self._font_key = ""
        self._font_metrics = QFontMetricsF(QFont())
        self.measured = 0  # rows laid out to measure them, for tests and benchmarks
        self._find: re.Pattern[str] | None = None

    def set_highlight(self, query: str) -> None:
        """Mark every match of `query` (any case) in the drawn text; "" marks none."""
        self._find = re.compile(re.escape(query), re.IGNORECASE) if query else None

    def matches(self, text: str) -> list[tuple[int, int]]:
        """(start, length) of the highlighted matches in `text`, at most MAX_HIGHLIGHTS."""
        if self._find is None:
            return []
        found = []
        for match in self._find.finditer(text):
            found.append((match.start(), match.end() - match.start()))
            if len(found) == MAX_HIGHLIGHTS:
                break
        return found

    def _highlights(self, text: str, dark: bool) -> list[QTextLayout.FormatRange]:
        ranges = []
        for start, length in self.matches(text):
            chosen = QTextLayout.FormatRange()
            chosen.start, chosen.length = start, length
            look = QTextCharFormat()
            look.setBackground(QColor(FIND_COLOURS["background"][dark]))
            look.setForeground(QColor(FIND_COLOURS["text"][dark]))
            chosen.format = look
            ranges.append(chosen)
        return ranges

    def set_width(self, width: int) -> bool:
        """The view's usable width; returns whether the cached heights were dropped."""
        width = max(120, width)
        if width == self._width:
            return False
        self._width = width
        self._heights.clear()
        return True

    def forget(self) -> None:
        self._heights.clear()

    def forget_row(self, row: int) -> None:
        self._heights.pop(row, None)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        height = self._heights.get(index.row())
        if height is None:
            height = self._measure(option.font, index)
            self._heights[index.row()] = height
        return QSize(self._width, height)

    def _metrics(self, font: QFont) -> QFontMetricsF:
        key = font.key()
        if key != self._font_key:
            self._font_key, self._font_metrics = key, QFontMetricsF(font)
        return self._font_metrics

    def _measure(self, font: QFont, index: Index) -> int:
        self.measured += 1
        metrics = self._metrics(font)
        line = math.ceil(metrics.height())
        text: str = index.data(TextRole)
        width = self._text_width()
        if text.isascii() and len(text) < 400 and metrics.horizontalAdvance(text) <= width:
            text_height = float(line)  # one line: no layout needed
        else:
            _, text_height = layout_text(text, font, width)
        meta = line if index.data(MetaRole) or index.data(MarksRole) else 0
        return math.ceil(self.PAD * 3 + line + text_height + meta)

    def _text_width(self) -> int:
        return self._width - self.PAD * 4

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        palette: QPalette = opt.palette
        dark = is_dark(palette)
        speaker = Speaker(index.data(SpeakerRole))
        marks: str = index.data(MarksRole) or ""
        if marks:
            opt.backgroundBrush = QBrush(QColor(MARK_COLOURS["tint"][dark]))
        elif speaker is Speaker.BOT:
            opt.backgroundBrush = palette.alternateBase()
        if widget is not None:
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if marks:
            stripe = QRect(opt.rect.left(), opt.rect.top(), self.STRIPE, opt.rect.height())
            painter.fillRect(stripe, QColor(MARK_COLOURS["stripe"][dark]))
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        dim_colour = text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        rect: QRect = opt.rect.adjusted(self.PAD * 2, self.PAD, -self.PAD * 2, -self.PAD)
        font = QFont(opt.font)
        line = QFontMetrics(font).height()

        bold = QFont(font)
        bold.setBold(True)
        speaker_name = SPEAKER_NAMES[speaker]
        painter.setFont(bold)
        painter.setPen(text_colour if selected else QColor(SPEAKER_COLOURS[speaker][dark]))
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width(), line),
            Qt.AlignmentFlag.AlignLeft,
            speaker_name,
        )
        name_width = QFontMetrics(bold).horizontalAdvance(speaker_name + "  ")
        painter.setFont(font)
        painter.setPen(dim_colour)
        painter.drawText(
            QRect(rect.left() + name_width, rect.top(), rect.width() - name_width, line),
            Qt.AlignmentFlag.AlignLeft,
            index.data(TimeRole),
        )

        text: str = index.data(TextRole)
        highlights = self._highlights(text, dark)
        layout, text_height = layout_text(text, font, rect.width(), highlights)
        painter.setPen(text_colour)
        painter.setClipRect(opt.rect)  # a huge message draws only what the row shows
        layout.draw(painter, QPointF(rect.left(), rect.top() + line + self.PAD / 2))

        meta: str = index.data(MetaRole) or ""
        if meta or marks:
            small = QFont(font)
            small.setPointSizeF(max(6.0, font.pointSizeF() * 0.9))
            top = int(rect.top() + line + self.PAD + text_height)
            box = QRect(rect.left(), top, rect.width(), line)
            small_metrics = QFontMetrics(small)
            if marks:
                flag = f"\u25b2 {marks}"
                small_bold = QFont(small)
                small_bold.setBold(True)
                painter.setFont(small_bold)
                painter.setPen(text_colour if selected else QColor(MARK_COLOURS["stripe"][dark]))
                painter.drawText(box, Qt.AlignmentFlag.AlignLeft, flag)
                used = QFontMetrics(small_bold).horizontalAdvance(flag + "   ")
                box = box.adjusted(used, 0, 0, 0)
            painter.setFont(small)
            painter.setPen(dim_colour)
            painter.drawText(
                box,
                Qt.AlignmentFlag.AlignLeft,
                small_metrics.elidedText(meta, Qt.TextElideMode.ElideRight, max(0, box.width())),
            )
        painter.restore()
