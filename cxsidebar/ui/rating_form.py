"""The rating form's controls and its draft: what the agent fills in, without the saving logic.

Keyboard-first: Alt+1 … Alt+5 choose the overall score (window actions); each
group has a mnemonic (Alt+A transcript, Alt+S summary, Alt+P profile, Alt+H
history, Alt+R "had to repeat", Alt+B problems, Alt+O outcome, Alt+M comment);
a focused score box takes a digit or N (not used); Ctrl+S saves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QWidget,
)

from cxsidebar.core import Outcome, Problem, Repeated

from .flow import FlowLayout
from .text import plain_label

E = TypeVar("E", bound=StrEnum)

PARTS = ("transcript", "summary", "profile", "history")
# The label of each part's score box, with its mnemonic (menus own Alt+E, Alt+T, Alt+V, Alt+W).
PART_LABELS = {
    "transcript": "Tr&anscript:",
    "summary": "&Summary:",
    "profile": "&Profile:",
    "history": "&History:",
}
REPEATED_LABELS = {
    Repeated.ACCOUNT_ID: "Account ID",
    Repeated.ORDER_NUMBER: "Order number",
    Repeated.ISSUE_DESCRIPTION: "Issue description",
    Repeated.IDENTITY_VERIFICATION: "Identity verification",
    Repeated.OTHER: "Something else",
}
PROBLEM_LABELS = {
    Problem.INACCURATE: "Inaccurate",
    Problem.MISSING: "Missing",
    Problem.TOO_LONG: "Too long",
    Problem.IRRELEVANT: "Irrelevant",
    Problem.OUTDATED: "Outdated",
}
OUTCOME_LABELS = {
    Outcome.RESOLVED: "Resolved",
    Outcome.FOLLOW_UP: "Follow-up needed",
    Outcome.TRANSFERRED: "Transferred",
}
COMMENT_LIMIT = 4000

# The chosen score must be obvious at a glance, and focus visible for keyboard users.
SCORE_STYLE = """
QPushButton { border: 1px solid palette(mid); border-radius: 4px; padding: 3px 10px;
              background: palette(button); min-width: 18px; }
QPushButton:checked { background: #1a56c4; color: white; border-color: #1a56c4;
                      font-weight: bold; }
QPushButton:focus { border: 2px solid palette(highlight); }
QPushButton:disabled { color: palette(mid); }
"""


@dataclass
class Draft:
    """One escalation's rating in progress, and where its saving stands."""

    overall: int | None = None
    parts: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(PARTS))
    repeated: bool = False
    repeated_what: set[Repeated] = field(default_factory=set)
    problems: set[Problem] = field(default_factory=set)
    comment: str = ""
    outcome: Outcome | None = None
    state: str = "idle"  # idle | saving | saved | failed
    message: str = ""


class RatingControls:
    """Builds the form's widgets on `form`; reads and writes a Draft."""

    def __init__(self, form: QWidget) -> None:
        self.form = form
        grid = QGridLayout()
        self.part_boxes: dict[str, QComboBox] = {}
        for number, part in enumerate(PARTS):
            box = QComboBox(form)
            box.addItem("Not used", None)
            for score in range(1, 6):
                box.addItem(str(score), score)
            box.setAccessibleName(f"{part.capitalize()} score")
            box.setAccessibleDescription("1 to 5, or N for not used")
            label = plain_label(PART_LABELS[part], form)
            label.setBuddy(box)
            grid.addWidget(label, number // 2, (number % 2) * 2)
            grid.addWidget(box, number // 2, (number % 2) * 2 + 1)
            self.part_boxes[part] = box
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.grid = grid

        self.repeat_box = QCheckBox("I had to ask the customer to &repeat:", form)
        self.repeat_box.setAccessibleName("I had to ask the customer to repeat something")
        self.repeated_boxes = self._checks(REPEATED_LABELS, "Had to ask again for")
        self.repeated_row = self._flow([self.repeat_box, *self.repeated_boxes.values()])

        problems_label = plain_label("Pro&blems:", form)
        self.problem_boxes = self._checks(PROBLEM_LABELS, "Problem with the context")
        problems_label.setBuddy(next(iter(self.problem_boxes.values())))
        self.problems_row = self._flow([problems_label, *self.problem_boxes.values()])

        outcome_label = plain_label("&Outcome:", form)
        self.outcome_box = QComboBox(form)
        self.outcome_box.addItem("Not set yet", None)
        for outcome, text in OUTCOME_LABELS.items():
            self.outcome_box.addItem(text, outcome.value)
        self.outcome_box.setAccessibleName("Outcome of this contact")
        self.outcome_box.setAccessibleDescription("R resolved, F follow-up needed, T transferred")
        outcome_label.setBuddy(self.outcome_box)
        self.outcome_row = self._row([outcome_label, self.outcome_box])

        comment_label = plain_label("Co&mment:", form)
        self.comment_edit = QPlainTextEdit(form)
        self.comment_edit.setPlaceholderText("Comment (optional)")
        self.comment_edit.setAccessibleName("Comment")
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(form.fontMetrics().height() * 3 + 12)
        comment_label.setBuddy(self.comment_edit)
        self.comment_label = comment_label
        # Naming what was repeated means the customer repeated something.
        for what in self.repeated_boxes.values():
            what.toggled.connect(self._what_toggled)
        self.repeat_box.toggled.connect(self._repeat_toggled)

    def _checks(self, labels: dict[E, str], name: str) -> dict[E, QCheckBox]:
        boxes: dict[E, QCheckBox] = {}
        for value, text in labels.items():
            box = QCheckBox(text, self.form)
            box.setAccessibleName(f"{name}: {text}")
            boxes[value] = box
        return boxes

    def _flow(self, widgets: list[QWidget]) -> FlowLayout:
        """A row of check boxes that wraps in a narrow sidebar instead of clipping."""
        row = FlowLayout()
        for widget in widgets:
            row.addWidget(widget)
        return row

    def _row(self, widgets: list[QWidget]) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _what_toggled(self, checked: bool) -> None:
        if checked and not self.repeat_box.isChecked():
            self.repeat_box.setChecked(True)

    def _repeat_toggled(self, checked: bool) -> None:
        if not checked:
            for box in self.repeated_boxes.values():
                box.setChecked(False)

    def focus_order(self) -> list[QWidget]:
        return [
            *self.part_boxes.values(),
            self.repeat_box,
            *self.repeated_boxes.values(),
            *self.problem_boxes.values(),
            self.outcome_box,
            self.comment_edit,
        ]

    def change_signals(self) -> list[Any]:
        """Every signal that means the agent changed something."""
        signals: list[Any] = [box.currentIndexChanged for box in self.part_boxes.values()]
        signals += [self.repeat_box.toggled, self.outcome_box.currentIndexChanged]
        signals += [box.toggled for box in self.repeated_boxes.values()]
        signals += [box.toggled for box in self.problem_boxes.values()]
        signals.append(self.comment_edit.textChanged)
        return signals

    def read(self, draft: Draft) -> None:
        draft.parts = {part: box.currentData() for part, box in self.part_boxes.items()}
        draft.repeated = self.repeat_box.isChecked()
        draft.repeated_what = {v for v, box in self.repeated_boxes.items() if box.isChecked()}
        draft.problems = {v for v, box in self.problem_boxes.items() if box.isChecked()}
        outcome = self.outcome_box.currentData()
        draft.outcome = Outcome(outcome) if outcome else None
        draft.comment = self.comment_edit.toPlainText()

    def load(self, draft: Draft) -> None:
        for part, box in self.part_boxes.items():
            box.setCurrentIndex(max(0, box.findData(draft.parts.get(part))))
        self.repeat_box.setChecked(draft.repeated)
        for value, what in self.repeated_boxes.items():
            what.setChecked(value in draft.repeated_what)
        for problem, check in self.problem_boxes.items():
            check.setChecked(problem in draft.problems)
        outcome = draft.outcome.value if draft.outcome else None
        self.outcome_box.setCurrentIndex(max(0, self.outcome_box.findData(outcome)))
        if self.comment_edit.toPlainText() != draft.comment:
            self.comment_edit.setPlainText(draft.comment)
