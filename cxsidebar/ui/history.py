"""The customer's CRM history, newest first: a list model, a delegate, the view."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cxsidebar.core import HistoryItem

from .text import clip, format_date

Index = QModelIndex | QPersistentModelIndex

HistoryItemRole = Qt.ItemDataRole.UserRole + 1
HeadlineRole = Qt.ItemDataRole.UserRole + 2  # "ticket · open"
TitleRole = Qt.ItemDataRole.UserRole + 3
DatesRole = Qt.ItemDataRole.UserRole + 4  # "opened 2025-01-02 · closed 2025-01-05 · flow refunds"
RepeatRole = Qt.ItemDataRole.UserRole + 5  # True: a recent contact about the same flow or reason

REPEAT_MARK = "\u21bb repeat"  # ↻, drawn after the headline of a repeat-contact row
# (light theme, dark theme), as the transcript's trigger marks
REPEAT_COLOURS = {"stripe": ("#e37400", "#fbbc04"), "tint": ("#fff4e5", "#3d3320")}


class _Row:
    __slots__ = ("dates", "headline", "item", "repeat", "title")

    def __init__(self, item: HistoryItem, repeat: bool = False) -> None:
        self.item = item
        self.repeat = repeat
        kind = clip(item.kind)
        status = clip(item.status)
        self.headline = f"{kind} · {status}" if status else kind
        self.title = clip(item.title) or "(no title)"
        dates = [f"opened {format_date(item.opened_at)}"]
        if item.closed_at is not None:
            dates.append(f"closed {format_date(item.closed_at)}")
        if item.flow:
            dates.append(f"flow {clip(item.flow)}")
        self.dates = " · ".join(dates)


class HistoryModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            repeat = "Repeat contact. " if row.repeat else ""
            return f"{repeat}{row.headline}: {row.title}, {row.dates}"
        return {
            HistoryItemRole: row.item,
            HeadlineRole: row.headline,
            TitleRole: row.title,
            DatesRole: row.dates,
            RepeatRole: row.repeat,
        }.get(role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def set_items(self, items: list[HistoryItem], repeats: Collection[str] = ()) -> None:
        """Replace the history; shown newest (latest opened) first. `repeats`: the ids of
        the items that make this a repeat contact (`insight.repeat_contacts`), highlighted."""
        self.beginResetModel()
        ordered = sorted(items, key=lambda i: i.opened_at, reverse=True)
        wanted = set(repeats)
        self._rows = [_Row(i, i.id in wanted) for i in ordered]
        self.endResetModel()

    def repeat_rows(self) -> list[int]:
        return [number for number, row in enumerate(self._rows) if row.repeat]


class HistoryDelegate(QStyledItemDelegate):
    """Three elided lines: kind · status (bold), title, dates."""

    PAD = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(200, line * 3 + self.PAD * 3)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        palette: QPalette = opt.palette
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        repeat = bool(index.data(RepeatRole))
        if repeat:
            opt.backgroundBrush = QBrush(QColor(REPEAT_COLOURS["tint"][dark]))
        if widget is not None:
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if repeat:
            stripe = QRect(opt.rect.left(), opt.rect.top(), 4, opt.rect.height())
            painter.fillRect(stripe, QColor(REPEAT_COLOURS["stripe"][dark]))
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        dim = main if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        rect: QRect = opt.rect.adjusted(self.PAD * 2, self.PAD, -self.PAD * 2, -self.PAD)
        font = QFont(opt.font)
        bold = QFont(font)
        bold.setBold(True)
        line = QFontMetrics(font).height()
        headline = index.data(HeadlineRole)
        lines = (
            (bold, main, f"{headline}   {REPEAT_MARK}" if repeat else headline),
            (font, main, index.data(TitleRole)),
            (font, dim, index.data(DatesRole)),
        )
        for number, (face, colour, text) in enumerate(lines):
            painter.setFont(face)
            painter.setPen(colour)
            box = QRect(
                rect.left(), rect.top() + number * (line + self.PAD // 2), rect.width(), line
            )
            elided = QFontMetrics(face).elidedText(text, Qt.TextElideMode.ElideRight, box.width())
            painter.drawText(
                box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
            )
        painter.restore()


class HistoryView(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("CRM history")
        self.setAccessibleDescription("Earlier tickets, cases and orders, newest first.")
        self.setItemDelegate(HistoryDelegate(self))
        self.setUniformItemSizes(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
