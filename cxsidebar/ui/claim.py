"""The claim button and what became of the last claim."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from cxsidebar.core import EscalationStatus

from .text import clip, plain_label


def _button_text(text: str) -> str:
    # A button reads "&" as a mnemonic marker; a name like "Tom & Jerry" must stay literal.
    return text.replace("&", "&&")


class ClaimBar(QWidget):
    """Emits `claim_requested(escalation_id)`; the window reports back through the setters."""

    claim_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._escalation_id: str | None = None
        self.button = QPushButton("Claim", self)
        self.button.setAccessibleName("Claim this escalation")
        self.button.setAccessibleDescription("Ctrl+Enter")
        self.button.clicked.connect(self.claim)
        self.error_label = plain_label(name="Claim problem", wrap=True)
        self.error_label.setStyleSheet("color: #c5221f; font-weight: bold;")
        self.error_label.setVisible(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.error_label, 1)
        row.addStretch(0)
        self.clear()

    @property
    def escalation_id(self) -> str | None:
        return self._escalation_id

    def clear(self) -> None:
        self._escalation_id = None
        self._set_button("Claim", enabled=False)
        self._set_error("")

    def set_escalation(
        self, escalation_id: str, status: EscalationStatus, claimed_by: str | None, *, me: str
    ) -> None:
        changed = escalation_id != self._escalation_id
        self._escalation_id = escalation_id
        if changed:
            self._set_error("")
        if status is EscalationStatus.CLAIMED:
            holder = claimed_by or ""
            self.set_claimed(holder, by_me=bool(me) and holder == me)
        elif changed or self.button.text() != "Claiming…":
            self._set_button("Claim  (Ctrl+Enter)", enabled=True)

    def claim(self) -> None:
        if self._escalation_id is None or not self.button.isEnabled():
            return
        self._set_error("")
        self._set_button("Claiming…", enabled=False)
        self.claim_requested.emit(self._escalation_id)

    def set_claimed(self, claimed_by: str, *, by_me: bool) -> None:
        name = clip(claimed_by) or "someone else"
        self._set_button("Claimed by you" if by_me else f"Claimed by {name}", enabled=False)
        self._set_error("")

    def set_failed(self, message: str) -> None:
        self._set_button("Claim  (Ctrl+Enter)", enabled=True)
        self._set_error(f"Could not claim: {clip(message)}")

    def _set_button(self, text: str, *, enabled: bool) -> None:
        self.button.setText(_button_text(text))
        self.button.setEnabled(enabled)

    def _set_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
