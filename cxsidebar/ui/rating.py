"""The rating panel: how good was the context the bot handed over?

The panel builds a `core.Rating` and emits it; the app saves it locally and
answers with `rating_saved(id)` or `rating_save_failed(id, message)`. Drafts are
kept per escalation, so moving through the queue never throws away a score, and
a failed save keeps every value (and the rating's id) while the app retries:
a later `rating_saved` for that id still settles it. Saving again after a save
makes a new rating; the store makes it a new version if the old one synced.
The controls and their keyboard shortcuts live in rating_form.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import Problem, Rating, RatingParts, Repeated, clean_text

from .rating_form import COMMENT_LIMIT, PARTS, SCORE_STYLE, Draft, RatingControls
from .text import plain_label

__all__ = ["COMMENT_LIMIT", "PARTS", "SAVED", "SAVING", "RatingPanel"]

KEYBOARD_HELP = (
    "Alt+1 to Alt+5: overall score. Alt+A transcript, Alt+S summary, Alt+P profile,"
    " Alt+H history: then a digit, or N for not used. Alt+R: had to ask again, then"
    " Tab and Space for what. Alt+B: problems. Alt+O: outcome. Alt+M: comment."
    " Ctrl+S: save."
)
SAVING = "Saving…"
SAVED = "Saved on this computer (will sync)"


def _same_content(a: Rating, b: Rating) -> bool:
    keep = {"id", "created_at"}
    return a.model_dump(exclude=keep) == b.model_dump(exclude=keep)


class RatingPanel(QGroupBox):
    rating_submitted = Signal(object)  # a core.Rating

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Rate this context", parent)
        self.setAccessibleName("Rate this context")
        self.setAccessibleDescription(KEYBOARD_HELP)
        self._escalation_id: str | None = None
        self._draft = Draft()
        self._drafts: dict[str, Draft] = {}
        self._pending: dict[uuid.UUID, str] = {}  # rating id → escalation id, until saved
        self._last: dict[str, Rating] = {}  # escalation id → the rating last submitted
        self._loading = False
        self._build()
        self._load(Draft())

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
            button.setStyleSheet(SCORE_STYLE)
            button.setAccessibleName(f"Overall score {score} of 5")
            button.setAccessibleDescription(f"Alt+{score}")
            self.overall_group.addButton(button, score)
            self.overall_buttons.append(button)
            overall_row.addWidget(button)
        overall_row.addStretch(1)
        self.overall_group.idToggled.connect(self._changed)

        self.controls = RatingControls(self.form)
        c = self.controls
        self.part_boxes = c.part_boxes
        self.repeat_box = c.repeat_box
        self.repeated_boxes = c.repeated_boxes
        self.problem_boxes = c.problem_boxes
        self.outcome_box = c.outcome_box
        self.comment_edit = c.comment_edit
        for signal in c.change_signals():
            signal.connect(self._changed)

        form_layout = QVBoxLayout(self.form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addLayout(overall_row)
        form_layout.addLayout(c.grid)
        form_layout.addLayout(c.repeated_row)
        form_layout.addLayout(c.problems_row)
        form_layout.addLayout(c.outcome_row)
        form_layout.addWidget(c.comment_label)
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
        """The controls in Tab order: scores, parts, repeated, problems, outcome, comment, Save."""
        return [*self.overall_buttons, *self.controls.focus_order(), self.save_button]

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
        self._load(draft or Draft())

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
            customer_repeated=draft.repeated or bool(draft.repeated_what),
            repeated=[r for r in Repeated if r in draft.repeated_what],
            problems=[p for p in Problem if p in draft.problems],
            comment=draft.comment[:COMMENT_LIMIT],
            outcome=draft.outcome,
        )
        last = self._last.get(self._escalation_id)
        if draft.state == "failed" and last is not None and _same_content(last, rating):
            rating = last  # the same rating again: same id, so a late first save is no duplicate
        self._last[self._escalation_id] = rating
        draft.state, draft.message = "saving", ""
        self._pending[rating.id] = self._escalation_id
        self._load(draft)
        self.rating_submitted.emit(rating)

    def rating_saved(self, rating_id: uuid.UUID) -> None:
        self._settle(rating_id, "saved", "")

    def rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        """Not on disk yet; the app keeps it and retries, a later rating_saved settles it."""
        message = clean_text(message, single_line=True)
        if message.lower().startswith("not saved:"):
            message = message[len("not saved:") :].strip()
        self._settle(rating_id, "failed", message)

    def _settle(self, rating_id: uuid.UUID, state: str, message: str) -> None:
        escalation_id = self._pending.get(rating_id)
        if escalation_id is None:
            return
        if state == "saved":
            del self._pending[rating_id]
        last = self._last.get(escalation_id)
        if last is None or last.id != rating_id:
            return  # an older save: the newer one decides what the agent sees
        draft: Draft | None
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

    def _read(self) -> Draft:
        draft = self._draft
        checked = self.overall_group.checkedId()
        draft.overall = checked if checked > 0 else None
        self.controls.read(draft)
        return draft

    def _load(self, draft: Draft) -> None:
        self._loading = True
        try:
            self._draft = draft
            self.overall_group.setExclusive(False)
            for score, button in enumerate(self.overall_buttons, start=1):
                button.setChecked(score == draft.overall)
            self.overall_group.setExclusive(True)
            self.controls.load(draft)
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
            text = f"Not saved: {draft.message}" if draft.message else "Not saved"
            style = "color: #c5221f; font-weight: bold;"
        elif has_escalation and not overall:
            text, style = "Choose an overall score (Alt+1 … Alt+5)", ""
        else:
            text, style = "", ""
        self.status_label.setText(text)
        self.status_label.setStyleSheet(style)
