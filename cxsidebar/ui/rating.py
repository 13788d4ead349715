"""The rating panel: how good was the context the bot handed over?

The panel builds a `core.Rating` and emits it; the app saves it locally and
answers with `rating_saved(id)` or `rating_save_failed(id, message)`. Drafts are
kept per escalation, so moving through the queue never throws away a score, and
a failed save keeps every value (and the rating's id) for the retry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import Rating, RatingParts, clean_text

from .text import plain_label

PARTS = ("transcript", "summary", "profile", "history")
COMMENT_LIMIT = 4000

# The chosen score must be obvious at a glance, and focus visible for keyboard users.
_SCORE_STYLE = """
QPushButton { border: 1px solid palette(mid); border-radius: 4px; padding: 3px 10px;
              background: palette(button); min-width: 18px; }
QPushButton:checked { background: #1a56c4; color: white; border-color: #1a56c4;
                      font-weight: bold; }
QPushButton:focus { border: 2px solid palette(highlight); }
QPushButton:disabled { color: palette(mid); }
"""

SAVING = "Saving…"
SAVED = "Saved on this computer (will sync)"


@dataclass
class _Draft:
    overall: int | None = None
    parts: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(PARTS))
    repeated: bool = False
    comment: str = ""
    state: str = "idle"  # idle | saving | saved | failed
    message: str = ""
    last: Rating | None = None  # the rating last sent, reused (same id) when retried unchanged


def _same_content(a: Rating, b: Rating) -> bool:
    keep = {"id", "created_at"}
    return a.model_dump(exclude=keep) == b.model_dump(exclude=keep)


class RatingPanel(QGroupBox):
    rating_submitted = Signal(object)  # a core.Rating

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Rate this context", parent)
        self.setAccessibleName("Rate this context")
        self._escalation_id: str | None = None
        self._draft = _Draft()
        self._drafts: dict[str, _Draft] = {}
        self._pending: dict[uuid.UUID, str] = {}  # rating id → escalation id
        self._loading = False
        self._build()
        self._load(_Draft())

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        self.form = QWidget(self)
        overall_label = plain_label("Overall (required):", self.form)
        self.overall_group = QButtonGroup(self)
        self.overall_group.setExclusive(True)
        self.overall_buttons: list[QPushButton] = []
        overall_row = QHBoxLayout()
        overall_row.addWidget(overall_label)
        for score in range(1, 6):
            button = QPushButton(str(score), self.form)
            button.setCheckable(True)
            button.setMaximumWidth(44)
            button.setStyleSheet(_SCORE_STYLE)
            button.setAccessibleName(f"Overall score {score} of 5")
            button.setAccessibleDescription(f"Alt+{score}")
            self.overall_group.addButton(button, score)
            self.overall_buttons.append(button)
            overall_row.addWidget(button)
        overall_row.addStretch(1)
        self.overall_group.idToggled.connect(self._changed)

        grid = QGridLayout()
        self.part_boxes: dict[str, QComboBox] = {}
        for number, part in enumerate(PARTS):
            box = QComboBox(self.form)
            box.addItem("Not used", None)
            for score in range(1, 6):
                box.addItem(str(score), score)
            box.setAccessibleName(f"{part.capitalize()} score")
            box.currentIndexChanged.connect(self._changed)
            label = plain_label(f"{part.capitalize()}:", self.form)
            label.setBuddy(box)
            grid.addWidget(label, number // 2, (number % 2) * 2)
            grid.addWidget(box, number // 2, (number % 2) * 2 + 1)
            self.part_boxes[part] = box
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.repeat_box = QCheckBox("I had to ask the customer to repeat something", self.form)
        self.repeat_box.setAccessibleName("I had to ask the customer to repeat something")
        self.repeat_box.toggled.connect(self._changed)
        self.comment_edit = QPlainTextEdit(self.form)
        self.comment_edit.setPlaceholderText("Comment (optional)")
        self.comment_edit.setAccessibleName("Comment")
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(self.fontMetrics().height() * 3 + 12)
        self.comment_edit.textChanged.connect(self._changed)

        form_layout = QVBoxLayout(self.form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addLayout(overall_row)
        form_layout.addLayout(grid)
        form_layout.addWidget(self.repeat_box)
        form_layout.addWidget(self.comment_edit)

        self.save_button = QPushButton("Save rating  (Ctrl+S)", self)
        self.save_button.setAccessibleName("Save rating")
        self.save_button.clicked.connect(self.save)
        self.status_label = plain_label(name="Rating status", wrap=True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.status_label, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(bottom)

        for first, second in pairwise(self.focus_order()):
            QWidget.setTabOrder(first, second)

    def focus_order(self) -> list[QWidget]:
        """The controls in Tab order: scores, parts, the checkbox, the comment, Save."""
        return [
            *self.overall_buttons,
            *self.part_boxes.values(),
            self.repeat_box,
            self.comment_edit,
            self.save_button,
        ]

    # -- the escalation being rated ---------------------------------------------------

    @property
    def escalation_id(self) -> str | None:
        return self._escalation_id

    def set_escalation(self, escalation_id: str | None) -> None:
        """Rate another escalation; the draft of the current one is kept."""
        if escalation_id == self._escalation_id:
            return
        if self._escalation_id is not None:
            self._drafts[self._escalation_id] = self._read()
        self._escalation_id = escalation_id
        draft = self._drafts.pop(escalation_id, None) if escalation_id else None
        self._load(draft or _Draft())

    def has_draft(self) -> bool:
        """An unsaved rating in progress: a score chosen or a comment typed."""
        if self._escalation_id is None:
            return False
        draft = self._read()
        return draft.state in ("idle", "failed") and (
            draft.overall is not None or bool(draft.comment.strip())
        )

    def set_overall(self, score: int) -> None:
        if self._escalation_id is None or self._draft.state == "saving":
            return
        self.overall_group.button(score).setChecked(True)

    # -- saving -------------------------------------------------------------------------

    def save(self) -> None:
        draft = self._read()
        if self._escalation_id is None or draft.state == "saving" or draft.overall is None:
            return
        rating = Rating(
            id=uuid.uuid4(),
            escalation_id=self._escalation_id,
            created_at=datetime.now(UTC),
            overall=draft.overall,
            parts=RatingParts(**draft.parts),
            customer_repeated=draft.repeated,
            comment=draft.comment[:COMMENT_LIMIT],
        )
        if draft.state == "failed" and draft.last is not None and _same_content(draft.last, rating):
            rating = (
                draft.last
            )  # the same rating again: same id, so a late first save is no duplicate
        draft.last = rating
        draft.state, draft.message = "saving", ""
        self._pending[rating.id] = self._escalation_id
        self._load(draft)
        self.rating_submitted.emit(rating)

    def rating_saved(self, rating_id: uuid.UUID) -> None:
        self._settle(rating_id, "saved", "")

    def rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        self._settle(rating_id, "failed", clean_text(message, single_line=True))

    def _settle(self, rating_id: uuid.UUID, state: str, message: str) -> None:
        escalation_id = self._pending.pop(rating_id, None)
        if escalation_id is None:
            return
        draft: _Draft | None
        if escalation_id == self._escalation_id:
            draft = self._read()
        else:
            draft = self._drafts.get(escalation_id)
        if draft is None:
            return
        draft.state, draft.message = state, message
        if escalation_id == self._escalation_id:
            self._load(draft)

    # -- widgets ⇄ draft ---------------------------------------------------------------------

    def _read(self) -> _Draft:
        draft = self._draft
        checked = self.overall_group.checkedId()
        draft.overall = checked if checked > 0 else None
        draft.parts = {part: box.currentData() for part, box in self.part_boxes.items()}
        draft.repeated = self.repeat_box.isChecked()
        draft.comment = self.comment_edit.toPlainText()
        return draft

    def _load(self, draft: _Draft) -> None:
        self._loading = True
        try:
            self._draft = draft
            self.overall_group.setExclusive(False)
            for score, button in enumerate(self.overall_buttons, start=1):
                button.setChecked(score == draft.overall)
            self.overall_group.setExclusive(True)
            for part, box in self.part_boxes.items():
                box.setCurrentIndex(max(0, box.findData(draft.parts.get(part))))
            self.repeat_box.setChecked(draft.repeated)
            if self.comment_edit.toPlainText() != draft.comment:
                self.comment_edit.setPlainText(draft.comment)
        finally:
            self._loading = False
        self._show_state()

    def _changed(self, *_: object) -> None:
        if self._loading:
            return
        if self._draft.state == "saved":
            self._draft.state = "idle"  # edited after saving: a new rating to save
        self._show_state()

    def _show_state(self) -> None:
        draft = self._draft
        has_escalation = self._escalation_id is not None
        saving = draft.state == "saving"
        self.form.setEnabled(has_escalation and not saving)
        overall = self.overall_group.checkedId() > 0
        self.save_button.setEnabled(
            has_escalation and overall and draft.state not in ("saving", "saved")
        )
        if draft.state == "saving":
            text, style = SAVING, ""
        elif draft.state == "saved":
            text, style = SAVED, "color: #1e8e3e;"
        elif draft.state == "failed":
            text, style = f"Not saved: {draft.message}", "color: #c5221f; font-weight: bold;"
        elif has_escalation and not overall:
            text, style = "Choose an overall score (Alt+1 … Alt+5)", ""
        else:
            text, style = "", ""
        self.status_label.setText(text)
        self.status_label.setStyleSheet(style)
