"""The dead letters: ratings the hub refused for good, for the agent to inspect.

They stay in the local database (nothing is dropped); this dialog shows each
one with the hub's reason, so the agent can tell a supervisor what was lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import Rating, clean_text

from .text import plain_label, plural

COLUMNS = ("Escalation", "Overall", "Rated at", "Hub's reason", "Comment")
RatingRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class DeadLetterModel(QAbstractTableModel):
    """One row per refused rating: (rating, the hub's reason)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Rating, str]] = []

    def set_letters(self, letters: Sequence[tuple[Rating, str]]) -> None:
        self.beginResetModel()  # a real reload: the list is read again from the store
        self._rows = list(letters)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        rating, reason = self._rows[index.row()]
        if role == RatingRole:
            return rating
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        single = role == Qt.ItemDataRole.DisplayRole
        column = index.column()
        if column == 0:
            return clean_text(rating.escalation_id, single_line=True)
        if column == 1:
            return str(rating.overall)
        if column == 2:
            return rating.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == 3:
            return clean_text(reason, single_line=single)
        if column == 4:
            return clean_text(rating.comment, single_line=single)
        return None


class DeadLetterDialog(QDialog):
    """Shows the dead letters; read-only."""

    def __init__(
        self, letters: Sequence[tuple[Rating, str]] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ratings the hub refused")
        self.setAccessibleName("Ratings the hub refused")
        self.summary_label = plain_label(name="Refused ratings", wrap=True, parent=self)
        self.model = DeadLetterModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Refused ratings")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(720, 360)
        self.set_letters(letters)

    def set_letters(self, letters: Sequence[tuple[Rating, str]]) -> None:
        self.model.set_letters(letters)
        if letters:
            text = (
                f"The hub refused {plural(len(letters), 'rating')} for good. They stay on this"
                " computer; tell your supervisor if a reason looks wrong."
            )
        else:
            text = "The hub has refused no ratings."
        self.summary_label.setText(text)
