"""First-run sign-in: the agent pastes the token their administrator gave them.

The dialog only collects the text; the app decides where the token goes (the
OS keystore, or memory only when there is none).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import clean_text


class SignInDialog(QDialog):
    """`token_entered(token)` on OK with a non-empty token."""

    token_entered = Signal(str)

    def __init__(
        self, hub_url: str, *, remembered: bool, error: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to cxsidebar")
        self.setAccessibleName("Sign in")
        intro = QLabel(self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        keep = (
            "It is kept in this computer's credential store."
            if remembered
            else "This computer has no credential store: you will be asked at each start,"
            " and the token is never written to disk."
        )
        intro.setText(f"Paste the access token your administrator gave you.\n{keep}")
        hub = QLabel(clean_text(hub_url, single_line=True), self)
        hub.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = QLabel(clean_text(error, single_line=True), self)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setVisible(bool(error))
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setAccessibleName("Access token")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        form = QFormLayout()  # attached first, so the row labels it makes have a parent
        layout.addLayout(form)
        form.addRow("Hub:", hub)
        form.addRow("&Token:", self.token_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.token_edit.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        token = self.token_edit.text().strip()
        if not token:
            return
        self.token_entered.emit(token)
        self.accept()
