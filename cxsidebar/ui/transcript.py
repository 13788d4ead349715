"""The bot transcript: a list model and a delegate that lays out wrapped text itself.

No widget per row. Wrapped rows cannot have uniform sizes, so the delegate
measures each row once per view width and keeps the heights; a resize to a new
width drops them. Turns are cleaned once, when they enter the model.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cxsidebar.core import Speaker, Turn, clean_text

from .text import format_clock

Index = QModelIndex | QPersistentModelIndex

TurnRole = Qt.ItemDataRole.UserRole + 1  # the Turn itself
SpeakerRole = Qt.ItemDataRole.UserRole + 2  # "customer" | "bot" | "system"
TimeRole = Qt.ItemDataRole.UserRole + 3  # "14:03:27", local time
TextRole = Qt.ItemDataRole.UserRole + 4  # cleaned text, line breaks as U+2028
MetaRole = Qt.ItemDataRole.UserRole + 5  # "intent billing (42%) · sentiment -0.60 negative" or ""

SPEAKER_NAMES = {Speaker.CUSTOMER: "Customer", Speaker.BOT: "Bot", Speaker.SYSTEM: "System"}
SPEAKER_COLOURS = {Speaker.CUSTOMER: "#1a56c4", Speaker.BOT: "#5f6368", Speaker.SYSTEM: "#8e24aa"}


def sentiment_word(value: float) -> str:
    if value <= -0.3:
        return "negative"
    if value >= 0.3:
        return "positive"
    return "neutral"


def meta_text(turn: Turn) -> str:
    parts = []
    if turn.intent:
        intent = clean_text(turn.intent, single_line=True)
        if turn.confidence is not None:
            intent += f" ({turn.confidence:.0%})"
        parts.append(f"intent {intent}")
    if turn.sentiment is not None:
        parts.append(f"sentiment {turn.sentiment:+.2f} {sentiment_word(turn.sentiment)}")
    return " · ".join(parts)


class _Row:
    __slots__ = ("clock", "meta", "text", "turn")

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        # QTextLayout does not break at "\n"; the Unicode line separator it does.
        self.text = clean_text(turn.text).replace("\n", "\u2028")
        self.clock = format_clock(turn.at)
        self.meta = meta_text(turn)


class TranscriptModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{SPEAKER_NAMES[row.turn.speaker]} at {row.clock}: {row.text}"
        if role == TurnRole:
            return row.turn
        if role == SpeakerRole:
            return row.turn.speaker.value  # Qt hands enums back as plain str
        if role == TimeRole:
            return row.clock
        if role == TextRole:
            return row.text
        if role == MetaRole:
            return row.meta
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def set_turns(self, turns: list[Turn]) -> None:
        self.beginResetModel()
        self._rows = [_Row(t) for t in turns]
        self.endResetModel()

    def append(self, turns: list[Turn]) -> None:
        if not turns:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(turns) - 1)
        self._rows.extend(_Row(t) for t in turns)
        self.endInsertRows()

    def clear(self) -> None:
        self.set_turns([])

    def refresh(self, turns: list[Turn]) -> None:
        """The same conversation again: append what is new, reset only if history changed."""
        shown = len(self._rows)
        same_start = len(turns) >= shown and all(
            row.turn.id == turn.id for row, turn in zip(self._rows, turns, strict=False)
        )
        if same_start:
            self.append(turns[shown:])
        else:
            self.set_turns(turns)


def _layout(text: str, font: QFont, width: float) -> tuple[QTextLayout, float]:
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)
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
    """Speaker and time, the wrapped text, then intent/confidence and sentiment."""

    PAD = 6

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._width = 400
        self._heights: dict[int, int] = {}
        self._font_key = ""
        self._font_metrics = QFontMetricsF(QFont())

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
        metrics = self._metrics(font)
        line = math.ceil(metrics.height())
        text: str = index.data(TextRole)
        width = self._text_width()
        if text.isascii() and metrics.horizontalAdvance(text) <= width:
            text_height = float(line)  # one line: no layout needed
        else:
            _, text_height = _layout(text, font, width)
        meta = line if index.data(MetaRole) else 0
        return math.ceil(self.PAD * 3 + line + text_height + meta)

    def _text_width(self) -> int:
        return self._width - self.PAD * 4

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        speaker = Speaker(index.data(SpeakerRole))
        if speaker is Speaker.BOT:
            opt.backgroundBrush = opt.palette.alternateBase()
        if widget is not None:
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        rect: QRect = opt.rect.adjusted(self.PAD * 2, self.PAD, -self.PAD * 2, -self.PAD)
        font = QFont(opt.font)
        line = QFontMetrics(font).height()

        bold = QFont(font)
        bold.setBold(True)
        speaker_name = SPEAKER_NAMES[speaker]
        painter.setFont(bold)
        painter.setPen(text_colour if selected else QColor(SPEAKER_COLOURS[speaker]))
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width(), line),
            Qt.AlignmentFlag.AlignLeft,
            speaker_name,
        )
        name_width = QFontMetrics(bold).horizontalAdvance(speaker_name + "  ")
        painter.setFont(font)
        painter.setPen(
            text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        )
        painter.drawText(
            QRect(rect.left() + name_width, rect.top(), rect.width() - name_width, line),
            Qt.AlignmentFlag.AlignLeft,
            index.data(TimeRole),
        )

        layout, text_height = _layout(index.data(TextRole), font, rect.width())
        painter.setPen(text_colour)
        layout.draw(painter, QPointF(rect.left(), rect.top() + line + self.PAD / 2))

        meta = index.data(MetaRole)
        if meta:
            small = QFont(font)
            small.setPointSizeF(max(6.0, font.pointSizeF() * 0.9))
            painter.setFont(small)
            painter.setPen(
                text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
            )
            top = int(rect.top() + line + self.PAD + text_height)
            painter.drawText(
                QRect(rect.left(), top, rect.width(), line),
                Qt.AlignmentFlag.AlignLeft,
                QFontMetrics(small).elidedText(meta, Qt.TextElideMode.ElideRight, rect.width()),
            )
        painter.restore()


class TranscriptView(QListView):
    """A read-only list of turns; Ctrl+C copies the selected turns as plain text.

    Rows are laid out in batches, so a 10,000-turn transcript never freezes the
    window; while the agent is at the bottom the view follows the newest turn.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Bot transcript")
        self.setAccessibleDescription(
            "The conversation between the customer and the bot, oldest first."
        )
        self._delegate = TranscriptDelegate(self)
        self.setItemDelegate(self._delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A scroll bar that comes and goes changes the width, and every height with it.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self._follow = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._keep_at_bottom)
        bar.valueChanged.connect(self._note_position)

    def follow_tail(self) -> None:
        """Stay at the newest turn while rows are laid out or added, until the agent scrolls up."""
        self._follow = True
        self._keep_at_bottom()

    def _keep_at_bottom(self, *_: int) -> None:
        if self._follow:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _note_position(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 2

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._delegate.forget)
            model.rowsRemoved.connect(self._delegate.forget)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._delegate.set_width(self.viewport().width()):
            self.scheduleDelayedItemsLayout()
        super().resizeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            rows = sorted(self.selectionModel().selectedRows(), key=lambda i: i.row())
            text = "\n".join(str(i.data()).replace("\u2028", "\n") for i in rows)
            if text:
                QGuiApplication.clipboard().setText(text)
            return
        super().keyPressEvent(event)
