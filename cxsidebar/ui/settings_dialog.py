"""The settings a user may change; keys a policy sets are shown but locked.

The app passes `SettingField`s in and gets the changed values back through
`settings_saved`; the dialog itself reads and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class SettingField:
    name: str
    label: str
    value: Any  # str, bool, or tuple[str, ...] for lists
    description: str = ""
    choices: tuple[str, ...] = ()
    locked_by: str = ""  # the policy source; empty: the user may change it


class SettingsDialog(QDialog):
    """`settings_saved(dict)` with the values the user changed, on Save."""

    settings_saved = Signal(dict)

    def __init__(self, fields: list[SettingField], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("cxsidebar settings")
        self._fields = {f.name: f for f in fields}
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()  # attached first, so the row labels it makes have a parent
        layout.addLayout(form)
        for f in fields:
            editor = self._editor(f)
            editor.setAccessibleName(f.label)
            editor.setToolTip(f.description)
            if f.locked_by:
                editor.setEnabled(False)
                editor.setToolTip(f"Set by your administrator ({f.locked_by})")
            self.editors[f.name] = editor
            label = f"{f.label} (locked)" if f.locked_by else f.label
            form.addRow(label + ":", editor)
        note = QLabel("Changes take effect the next time the sidebar starts.", self)
        note.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = QLabel(self)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _editor(self, f: SettingField) -> QWidget:
        if isinstance(f.value, bool):
            box = QCheckBox(self)
            box.setChecked(f.value)
            return box
        if f.choices:
            combo = QComboBox(self)
            combo.addItems(list(f.choices))
            combo.setCurrentText(str(f.value))
            return combo
        text = ", ".join(f.value) if isinstance(f.value, tuple | list) else str(f.value)
        return QLineEdit(text, self)

    def value(self, name: str) -> Any:
        editor, f = self.editors[name], self._fields[name]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        if isinstance(f.value, tuple | list):
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return text

    def changed(self) -> dict[str, Any]:
        return {
            name: self.value(name)
            for name, f in self._fields.items()
            if not f.locked_by and self.value(name) != f.value
        }

    def show_error(self, message: str) -> None:
        """The app could not save (e.g. an invalid URL): say why, stay open."""
        self.error_label.setText(f"Not saved: {message}")
        self.error_label.show()

    def _save(self) -> None:
        # The app answers with accept() or show_error() while this signal is handled.
        self.settings_saved.emit(self.changed())
