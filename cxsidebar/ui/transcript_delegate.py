"""Drawing one turn: speaker and time, the wrapped text, then intent, sentiment and marks.

Wrapped rows cannot have uniform sizes, so the delegate measures each row once
per view width and keeps the heights; a resize to a new width drops them. The
view lays rows out in batches, so only what is measured is ever laid out.

A new transcript of up to `ESTIMATE_ROWS` turns shown at its newest turn (a
screen-pop) is measured only at the bottom, where it is painted first: the rows
above get the bottom rows' mean height (asking the model nothing, so the first
layout costs almost nothing), and are measured right after the first paint; the
view then lays the rows out again with their real heights.
"""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
    QTimer,
)
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
# (TextRole, whether MetaRole or MarksRole is set): what a row's height depends on, in one call
MeasureRole = Qt.ItemDataRole.UserRole + 7

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
ESTIMATE_ROWS = 2_000  # a new transcript up to this long is measured at the bottom first
REFINE_BATCH = 50  # estimated rows measured per event-loop turn after the first paint
REFINE_LATE_MS = 50  # when nothing is painted (another tab shown), estimates are refined anyway


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
        # A screen-pop: rows above `_exact_from` get estimates until `_refine` measures them.
        self._tail_height = 0  # viewport height to fill with measured rows; 0: measure all
        self._exact_from = 0
        self._estimate = 0  # the mean height of the measured bottom rows
        self._estimates: dict[int, int] = {}
        self._estimate_off = False  # a measured row differed from its estimate
        self._model: QAbstractItemModel | None = None
        self._font = QFont()
        self._refine = QTimer(self)
        self._refine.setSingleShot(True)
        self._refine.timeout.connect(self._refine_estimates)

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
        self._estimates.clear()
        self._estimate_off = False
        self._tail_height = self._exact_from = 0
        self._refine.stop()

    def forget_row(self, row: int) -> None:
        self._heights.pop(row, None)
        self._estimates.pop(row, None)

    def measure_tail_first(self, viewport_height: int) -> None:
        """The rows are new and shown from the bottom: measure what fills the viewport first."""
        self.forget()
        self._tail_height = max(1, viewport_height)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        row = index.row()
        height = self._heights.get(row)
        if height is None:
            height = self._estimates.get(row)
        if height is None:
            if self._tail_height:
                self._measure_tail(option.font, index)
            if row < self._exact_from:
                height = self._estimates[row] = self._estimate
                if not self._refine.isActive():
                    self._refine.start(REFINE_LATE_MS)
            else:
                height = self._measure(option.font, index)
                self._heights[row] = height
        return QSize(self._width, height)

    def _measure_tail(self, font: QFont, index: Index) -> None:
        """Measure the bottom rows until they fill the viewport; estimate the rest."""
        filled, self._tail_height = self._tail_height, 0
        model = index.model()
        count = model.rowCount() if model is not None else 0
        if model is None or count > ESTIMATE_ROWS:
            self._exact_from = 0
            return
        self._model, self._font = model, QFont(font)
        row, total = count, 0
        while row > 0 and total < filled:
            row -= 1
            height = self._measure(font, model.index(row, 0))
            self._heights[row] = height
            total += height
        self._exact_from = row
        self._estimate = max(1, total // max(1, count - row))

    def _refine_estimates(self) -> None:
        """Measure estimated rows, a batch per event-loop turn (so a summary or an event
        waits for one batch at most), then lay out again once if an estimate was off."""
        model = self._model
        if model is None or not self._estimates:
            return
        count = model.rowCount()
        for row in sorted(self._estimates, reverse=True)[:REFINE_BATCH]:
            estimate = self._estimates.pop(row)
            if row < count:
                height = self._heights[row] = self._measure(self._font, model.index(row, 0))
                self._estimate_off |= height != estimate
        if self._estimates:
            self._refine.start(0)
        elif self._estimate_off and count:
            self._estimate_off = False
            self.sizeHintChanged.emit(model.index(0, 0))  # the view lays its rows out again

    def _metrics(self, font: QFont) -> QFontMetricsF:
        key = font.key()
        if key != self._font_key:
            self._font_key, self._font_metrics = key, QFontMetricsF(font)
        return self._font_metrics

    def _measure(self, font: QFont, index: Index) -> int:
        self.measured += 1
        metrics = self._metrics(font)
        line = math.ceil(metrics.height())
        text, extra = index.data(MeasureRole)
        width = self._text_width()
        if text.isascii() and len(text) < 400 and metrics.horizontalAdvance(text) <= width:
            text_height = float(line)  # one line: no layout needed
        else:
            _, text_height = layout_text(text, font, width)
        meta = line if extra else 0
        return math.ceil(self.PAD * 3 + line + text_height + meta)

    def _text_width(self) -> int:
        return self._width - self.PAD * 4

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if self._estimates and self._refine.interval():
            self._refine.start(0)  # right after this first paint
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
