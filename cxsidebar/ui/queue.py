"""The queue of open escalations: a list model and the view (queue_delegate.py draws rows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QWidget,
)

from cxsidebar.core import ClaimInfo, EscalationStatus, QueueItem

from .insight import SlaStatus, sla_status
from .queue_delegate import (
    ChannelRole,
    ClaimedByRole,
    CreatedAtRole,
    CustomerRole,
    EscalationIdRole,
    Index,
    ItemRole,
    QueueDelegate,
    QueueNameRole,
    SlaRole,
    TopReasonRole,
)
from .text import clip, top_reason

# The roles come from the delegate that draws them; they are the model's interface too.
__all__ = [
    "MAX_OPEN",
    "ChannelRole",
    "ClaimedByRole",
    "CreatedAtRole",
    "CustomerRole",
    "EscalationIdRole",
    "Index",
    "ItemRole",
    "QueueDelegate",
    "QueueModel",
    "QueueNameRole",
    "QueueView",
    "SlaRole",
    "TopReasonRole",
]

MAX_OPEN = 50  # open escalations shown at once; the newest beyond it wait off-list
SLA_TICK_MS = 1000

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


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
        field = _FIELDS.get(role)  # (a paint asks for many roles the queue does not have)
        return None if field is None else field(row)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

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

    def set_max_open(self, count: int) -> None:
        """A new cap on listed open escalations: rows move in or out, no reset."""
        self._max_open = max(1, count)
        self._sync()

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


class QueueView(QListView):
    """The list of escalations; the model's SLA tick repaints the countdowns.

    Enter on a row, or its "Accept" button, asks to open it and work on it.
    """

    accept_requested = Signal(str)  # escalation id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Escalation queue")
        self.setAccessibleDescription(
            "Open escalations, oldest first, with the time left to answer."
            " Ctrl+Up and Ctrl+Down move; Enter (or Accept) opens one and goes to its transcript."
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)
        self.delegate = QueueDelegate(self)
        self.delegate.accept_clicked.connect(self.accept_requested)
        self.setItemDelegate(self.delegate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def set_accept_shown(self, shown: bool) -> None:
        self.delegate.accept_shown = shown
        self.viewport().update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            self.accept_requested.emit(current.data(EscalationIdRole))
            return
        super().keyPressEvent(event)


_FIELDS: dict[int, Callable[[_Row], object]] = {
    ItemRole: lambda row: row.item,
    EscalationIdRole: lambda row: row.item.escalation_id,
    ChannelRole: lambda row: row.channel,
    QueueNameRole: lambda row: row.queue,
    TopReasonRole: lambda row: row.reason,
    CreatedAtRole: lambda row: row.item.created_at,
    ClaimedByRole: lambda row: row.claimed_by,
}
