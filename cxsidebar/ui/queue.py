"""The queue of open escalations: a list model, a delegate that draws each row, the view."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cxsidebar.core import ClaimInfo, EscalationStatus, QueueItem

from .insight import SlaLevel, SlaStatus, sla_status
from .text import clip, top_reason

Index = QModelIndex | QPersistentModelIndex

ItemRole = Qt.ItemDataRole.UserRole + 1  # the QueueItem itself
EscalationIdRole = Qt.ItemDataRole.UserRole + 2
CustomerRole = Qt.ItemDataRole.UserRole + 3  # cleaned display name
ChannelRole = Qt.ItemDataRole.UserRole + 4
QueueNameRole = Qt.ItemDataRole.UserRole + 5
TopReasonRole = Qt.ItemDataRole.UserRole + 6
CreatedAtRole = Qt.ItemDataRole.UserRole + 7
ClaimedByRole = Qt.ItemDataRole.UserRole + 8  # None while open
SlaRole = Qt.ItemDataRole.UserRole + 9  # insight.SlaStatus, recomputed on every tick

MAX_OPEN = 50  # open escalations shown at once; the newest beyond it wait off-list
SLA_TICK_MS = 1000

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class _Row:
    """One queue item with its display strings cleaned once, not on every paint."""

    __slots__ = ("channel", "claimed_by", "customer", "item", "queue", "reason")

    def __init__(self, item: QueueItem) -> None:
        self.item = item
        self.customer = clip(item.customer_display_name) or "Unknown customer"
        self.channel = clip(item.channel)
        self.queue = clip(item.queue)
        self.reason = clip(top_reason(item.reasons))
        self.claimed_by: str | None = (
            clip(item.claimed_by) or "someone" if item.status is EscalationStatus.CLAIMED else None
        )


class QueueModel(QAbstractListModel):
    """Open escalations, oldest first, plus the ones this agent has claimed.

    At most `max_open` open escalations are rows; newer ones wait off-list
    (`overflow`) and move up as rows leave. One timer ticks `dataChanged` for
    `SlaRole` over every row, so countdowns repaint without a timer per row.
    """

    counts_changed = Signal()  # rows or the number waiting beyond the cap changed

    def __init__(
        self,
        parent: Any = None,
        *,
        clock: Clock = _now,
        sla_targets: Mapping[str, int] | None = None,
        max_open: int = MAX_OPEN,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._targets = sla_targets
        self._max_open = max(1, max_open)
        self._rows: list[_Row] = []
        self._all: dict[str, _Row] = {}  # shown and waiting, by escalation id
        self._me = ""
        self.sla_timer = QTimer(self)
        self.sla_timer.setInterval(SLA_TICK_MS)
        self.sla_timer.timeout.connect(self.tick)
        self.sla_timer.start()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, CustomerRole):
            return row.customer
        if role == SlaRole:
            return self.sla(row.item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = f"claimed by {row.claimed_by}" if row.claimed_by else self.sla(row.item).text
            return f"{row.customer}, {row.channel}, {row.queue}, {row.reason}, {state}"
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

    def sla(self, item: QueueItem) -> SlaStatus:
        return sla_status(item.created_at, self._clock(), item.channel, self._targets)

    def tick(self) -> None:
        """Repaint every countdown: one `dataChanged` over all rows, for `SlaRole` only."""
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [SlaRole])

    @property
    def overflow(self) -> int:
        """Open escalations waiting beyond the cap."""
        return len(self._all) - len(self._rows)

    @property
    def max_open(self) -> int:
        return self._max_open

    def set_sla_targets(self, targets: Mapping[str, int] | None) -> None:
        self._targets = targets
        self.tick()

    # -- changes -------------------------------------------------------------------------

    def set_items(self, items: list[QueueItem], *, me: str = "") -> None:
        """Replace everything with a fresh snapshot; claimed items of others are left out."""
        self.beginResetModel()
        self._me = me
        self._all = {i.escalation_id: _Row(i) for i in items if self._belongs(i, me)}
        self._rows = self._wanted()
        self.endResetModel()
        self.counts_changed.emit()

    def add(self, item: QueueItem) -> QModelIndex:
        """Add or replace one escalation, keeping oldest-first order; its index, if shown."""
        if not self._belongs(item, self._me):
            return QModelIndex()
        row = self.row_of(item.escalation_id)
        self._all[item.escalation_id] = _Row(item)
        if row is not None:
            self._rows[row] = self._all[item.escalation_id]
            index = self.index(row)
            self.dataChanged.emit(index, index)
            return index
        self._sync()
        row = self.row_of(item.escalation_id)
        return QModelIndex() if row is None else self.index(row)

    def mark_claimed(self, info: ClaimInfo, *, by_me: bool) -> None:
        """Mine stay and show as claimed; anyone else's leave the queue."""
        known = self._all.get(info.escalation_id)
        if known is None:
            return
        if not by_me:
            del self._all[info.escalation_id]
            self._sync()
            return
        item = known.item.model_copy(
            update={"status": EscalationStatus.CLAIMED, "claimed_by": info.claimed_by}
        )
        self._all[info.escalation_id] = _Row(item)
        row = self.row_of(info.escalation_id)
        if row is None:  # it was waiting beyond the cap; claimed ones are always shown
            self._sync()
            return
        self._rows[row] = self._all[info.escalation_id]
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def _wanted(self) -> list[_Row]:
        rows = sorted(self._all.values(), key=lambda r: r.item.created_at)
        shown, open_count = [], 0
        for row in rows:
            if row.claimed_by is None:
                open_count += 1
                if open_count > self._max_open:
                    continue
            shown.append(row)
        return shown

    def _sync(self) -> None:
        """Move the rows towards `_wanted()` with row removals and inserts, never a reset."""
        wanted = self._wanted()
        wanted_ids = {r.item.escalation_id for r in wanted}
        for number in range(len(self._rows) - 1, -1, -1):
            if self._rows[number].item.escalation_id not in wanted_ids:
                self.beginRemoveRows(QModelIndex(), number, number)
                del self._rows[number]
                self.endRemoveRows()
        for number, row in enumerate(wanted):
            current = self._rows[number] if number < len(self._rows) else None
            if current is not None and current.item.escalation_id == row.item.escalation_id:
                self._rows[number] = row
                continue
            self.beginInsertRows(QModelIndex(), number, number)
            self._rows.insert(number, row)
            self.endInsertRows()
        self.counts_changed.emit()

    # -- lookups ---------------------------------------------------------------------------

    def row_of(self, escalation_id: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.item.escalation_id == escalation_id:
                return number
        return None

    def item(self, escalation_id: str) -> QueueItem | None:
        row = self._all.get(escalation_id)
        return None if row is None else row.item

    @staticmethod
    def _belongs(item: QueueItem, me: str) -> bool:
        return item.status is EscalationStatus.OPEN or (bool(me) and item.claimed_by == me)


def sla_colour(level: SlaLevel, palette: QPalette) -> QColor | None:
    """Amber and red that read on the theme's base colour; None while on time."""
    if level is SlaLevel.OK:
        return None
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    if level is SlaLevel.AMBER:
        return QColor("#fbbc04" if dark else "#b06000")
    return QColor("#f28b82" if dark else "#c5221f")


class QueueDelegate(QStyledItemDelegate):
    """Two lines per escalation: customer and SLA countdown; channel · queue · top reason.

    A stripe on the left edge turns amber, then red, with the countdown, so the
    colour is a second cue and never the only one (the text says "late").
    """

    PADDING = 6
    STRIPE = 4

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
        sla: SlaStatus | None = None if claimed_by else index.data(SlaRole)
        right = "Claimed by you" if claimed_by else (sla.text if sla else "")
        urgent = sla_colour(sla.level, palette) if sla is not None else None
        if urgent is not None:
            painter.fillRect(
                QRect(opt.rect.left(), opt.rect.top(), self.STRIPE, opt.rect.height()), urgent
            )
        bold = QFont(font)
        bold.setBold(True)
        right_width = QFontMetrics(bold).horizontalAdvance(right) + self.PADDING

        painter.setPen(palette.color(text_role))
        painter.setFont(bold)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - right_width, line)
        name = QFontMetrics(bold).elidedText(
            index.data(CustomerRole), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )

        painter.setFont(bold if urgent is not None else font)
        if claimed_by and not selected:
            painter.setPen(palette.color(QPalette.ColorRole.Link))
        elif urgent is not None and not selected:
            painter.setPen(urgent)
        painter.drawText(
            QRect(rect.right() - right_width, rect.top(), right_width, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            right,
        )

        painter.setFont(font)
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
    """The list of escalations; the model's SLA tick repaints the countdowns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Escalation queue")
        self.setAccessibleDescription(
            "Open escalations, oldest first, with the time left to answer."
            " Ctrl+Up and Ctrl+Down move."
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)
        self.setItemDelegate(QueueDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
