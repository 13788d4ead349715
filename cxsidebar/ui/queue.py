"""The queue of open escalations: a list model, a delegate that draws each row, the view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cxsidebar.core import ClaimInfo, EscalationStatus, QueueItem, clean_text

from .text import format_age, top_reason

Index = QModelIndex | QPersistentModelIndex

ItemRole = Qt.ItemDataRole.UserRole + 1  # the QueueItem itself
EscalationIdRole = Qt.ItemDataRole.UserRole + 2
CustomerRole = Qt.ItemDataRole.UserRole + 3  # cleaned display name
ChannelRole = Qt.ItemDataRole.UserRole + 4
QueueNameRole = Qt.ItemDataRole.UserRole + 5
TopReasonRole = Qt.ItemDataRole.UserRole + 6
CreatedAtRole = Qt.ItemDataRole.UserRole + 7
ClaimedByRole = Qt.ItemDataRole.UserRole + 8  # None while open

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class _Row:
    """One queue item with its display strings cleaned once, not on every paint."""

    __slots__ = ("channel", "claimed_by", "customer", "item", "queue", "reason")

    def __init__(self, item: QueueItem) -> None:
        self.item = item
        self.customer = (
            clean_text(item.customer_display_name, single_line=True) or "Unknown customer"
        )
        self.channel = clean_text(item.channel, single_line=True)
        self.queue = clean_text(item.queue, single_line=True)
        self.reason = clean_text(top_reason(item.reasons), single_line=True)
        self.claimed_by: str | None = (
            clean_text(item.claimed_by, single_line=True) or "someone"
            if item.status is EscalationStatus.CLAIMED
            else None
        )


class QueueModel(QAbstractListModel):
    """Open escalations, oldest first, plus the ones this agent has claimed."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, CustomerRole):
            return row.customer
        if role == Qt.ItemDataRole.AccessibleTextRole:
            claimed = f", claimed by {row.claimed_by}" if row.claimed_by else ""
            return f"{row.customer}, {row.channel}, {row.queue}, {row.reason}{claimed}"
        return {
            ItemRole: row.item,
            EscalationIdRole: row.item.escalation_id,
            ChannelRole: row.channel,
            QueueNameRole: row.queue,
            TopReasonRole: row.reason,
            CreatedAtRole: row.item.created_at,
            ClaimedByRole: row.claimed_by,
        }.get(role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # -- changes -------------------------------------------------------------------------

    def set_items(self, items: list[QueueItem], *, me: str = "") -> None:
        """Replace everything with a fresh snapshot; claimed items of others are left out."""
        self.beginResetModel()
        self._rows = [_Row(i) for i in self._sorted(items) if self._belongs(i, me)]
        self.endResetModel()

    def add(self, item: QueueItem) -> QModelIndex:
        """Add or replace one escalation, keeping oldest-first order; returns its index."""
        row = self.row_of(item.escalation_id)
        if row is not None:
            self._rows[row] = _Row(item)
            index = self.index(row)
            self.dataChanged.emit(index, index)
            return index
        row = sum(1 for r in self._rows if r.item.created_at <= item.created_at)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, _Row(item))
        self.endInsertRows()
        return self.index(row)

    def mark_claimed(self, info: ClaimInfo, *, by_me: bool) -> None:
        """Mine stay and show as claimed; anyone else's leave the queue."""
        row = self.row_of(info.escalation_id)
        if row is None:
            return
        if not by_me:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            return
        item = self._rows[row].item.model_copy(
            update={"status": EscalationStatus.CLAIMED, "claimed_by": info.claimed_by}
        )
        self._rows[row] = _Row(item)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    # -- lookups ---------------------------------------------------------------------------

    def row_of(self, escalation_id: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.item.escalation_id == escalation_id:
                return number
        return None

    def item(self, escalation_id: str) -> QueueItem | None:
        row = self.row_of(escalation_id)
        return None if row is None else self._rows[row].item

    @staticmethod
    def _sorted(items: list[QueueItem]) -> list[QueueItem]:
        unique = {i.escalation_id: i for i in items}
        return sorted(unique.values(), key=lambda i: i.created_at)

    @staticmethod
    def _belongs(item: QueueItem, me: str) -> bool:
        return item.status is EscalationStatus.OPEN or (bool(me) and item.claimed_by == me)


class QueueDelegate(QStyledItemDelegate):
    """Two lines per escalation: customer and age; channel · queue and the top reason."""

    PADDING = 6

    def __init__(self, parent: Any = None, *, clock: Clock = _now) -> None:
        super().__init__(parent)
        self._clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(200, metrics.height() * 2 + metrics.leading() + self.PADDING * 3)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect: QRect = opt.rect.adjusted(
            self.PADDING * 2, self.PADDING, -self.PADDING * 2, -self.PADDING
        )
        font = QFont(opt.font)
        metrics = QFontMetrics(font)
        line = metrics.height()

        claimed_by = index.data(ClaimedByRole)
        age = format_age(index.data(CreatedAtRole), self._clock())
        right = "Claimed by you" if claimed_by else age
        bold = QFont(font)
        bold.setBold(True)
        right_width = metrics.horizontalAdvance(right) + self.PADDING

        painter.setPen(palette.color(text_role))
        painter.setFont(bold)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - right_width, line)
        name = QFontMetrics(bold).elidedText(
            index.data(CustomerRole), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )

        painter.setFont(font)
        if claimed_by and not selected:
            painter.setPen(palette.color(QPalette.ColorRole.Link))
        painter.drawText(
            QRect(rect.right() - right_width, rect.top(), right_width, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            right,
        )

        painter.setPen(palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText))
        second = (
            f"{index.data(ChannelRole)} · {index.data(QueueNameRole)} · {index.data(TopReasonRole)}"
        )
        second_rect = QRect(
            rect.left(), rect.top() + line + metrics.leading() + self.PADDING, rect.width(), line
        )
        painter.drawText(
            second_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(second, Qt.TextElideMode.ElideRight, second_rect.width()),
        )
        painter.restore()


class QueueView(QListView):
    """The list of escalations; ages are repainted every half minute."""

    def __init__(self, parent: QWidget | None = None, *, clock: Clock = _now) -> None:
        super().__init__(parent)
        self.setAccessibleName("Escalation queue")
        self.setAccessibleDescription("Open escalations, oldest first. Ctrl+Up and Ctrl+Down move.")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)
        self.setItemDelegate(QueueDelegate(self, clock=clock))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._ages = QTimer(self)
        self._ages.setInterval(30_000)
        self._ages.timeout.connect(self.viewport().update)
        self._ages.start()
