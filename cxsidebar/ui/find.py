"""The find bar under the transcript: Enter finds the next match, Shift+Enter the previous."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from .text import dim, plain_label


class _FindEdit(QLineEdit):
    """Enter → next, Shift+Enter → previous, Escape → close."""

    step = Signal(bool)  # backward?
    closed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.step.emit(bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            return
        if key == Qt.Key.Key_Escape:
            self.closed.emit()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    """Asks for matches with `find_requested(query, backward)`; shows what the owner reports."""

    find_requested = Signal(str, bool)  # query, backward
    query_changed = Signal(str)  # what to highlight: the typed query, "" once closed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Find in transcript")
        self.edit = _FindEdit(self)
        self.edit.setPlaceholderText("Find in transcript")
        self.edit.setAccessibleName("Find in transcript")
        self.edit.setAccessibleDescription("Enter: next match. Shift+Enter: previous. Esc: close.")
        self.edit.setClearButtonEnabled(True)
        self.previous_button = self._button("\u2191", "Previous match (Shift+F3)")
        self.next_button = self._button("\u2193", "Next match (F3)")
        self.close_button = self._button("\u2715", "Close find bar (Esc)")
        self.result_label = dim(plain_label(name="Find result"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.close_button)
        self.edit.step.connect(self._step)
        self.edit.closed.connect(self.close_bar)
        self.edit.textChanged.connect(self._typed)
        self.previous_button.clicked.connect(self.find_previous)
        self.next_button.clicked.connect(self.find_next)
        self.close_button.clicked.connect(self.close_bar)
        self.setVisible(False)

    def _button(self, text: str, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(name)  # our own fixed text, never customer text
        return button

    @property
    def query(self) -> str:
        return self.edit.text()

    def open_bar(self) -> None:
        self.setVisible(True)
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()
        self.query_changed.emit(self.query)

    def close_bar(self) -> None:
        self.setVisible(False)
        self.result_label.setText("")
        self.query_changed.emit("")

    def find_next(self) -> None:
        self._step(False)

    def find_previous(self) -> None:
        self._step(True)

    def set_result(self, text: str) -> None:
        self.result_label.setText(text)

    def _step(self, backward: bool) -> None:
        if self.query:
            self.find_requested.emit(self.query, backward)

    def _typed(self, text: str) -> None:
        self.query_changed.emit(text)
        if not text:
            self.result_label.setText("")
