"""The body of the summary tab: section titles, statements and their citation chips.

Its widgets are made once and reused: a new summary (it arrives while the agent
reads the screen-pop) retitles, shows and hides them instead of deleting a body
of ~25 widgets and making, styling and laying out a new one. Every string is
untrusted (a model wrote it from customer text) and goes through `clip` into
`Qt.PlainText` labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from cxsidebar.core import Statement

from .text import clip, dim, plain_label

# The UI's own section titles, in reading order (the keys of `Summary.statements()`).
SECTION_TITLES = {
    "issue": "Issue",
    "wants": "The customer wants",
    "bot_tried": "The bot already tried",
    "facts": "Already given — do not ask again",
    "sentiment": "Sentiment",
    "next_step": "Suggested next step",
}
MAX_STATEMENTS = 40
MAX_CHIPS = 6  # per statement; the rest are counted ("+3")
STATEMENT_LIMIT = 600  # characters, as the schema allows
CHIP_STYLE = (
    "QToolButton { border: 1px solid palette(mid); border-radius: 8px; padding: 0px 6px;"
    " color: palette(link); } QToolButton:hover, QToolButton:focus"
    " { border-color: palette(highlight); }"
)


class _Row:
    """One statement: its label, then up to MAX_CHIPS chips and a "+N" count."""

    def __init__(self, body: SummaryBody) -> None:
        self.widget = QWidget(body)
        self._layout = QHBoxLayout(self.widget)
        self._layout.setContentsMargins(8, 0, 0, 0)
        self._layout.setSpacing(4)
        self.label = plain_label(wrap=True, selectable=True)
        self._layout.addWidget(self.label, 1)
        self.more = dim(plain_label(name="More citations"))
        self._layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignTop)
        self.chips: list[QToolButton] = []
        self._body = body

    def fill(self, title: str, statement: Statement, positions: Mapping[str, int]) -> None:
        self.label.setText(clip(statement.text, STATEMENT_LIMIT, single_line=False))
        self.label.setAccessibleName(f"{title} statement")
        self.label.setProperty("section", title)
        cited = [c for c in dict.fromkeys(statement.cites) if c in positions]
        shown = cited[:MAX_CHIPS]
        while len(self.chips) < len(shown):
            self.chips.append(self._new_chip())
        for chip, turn_id in zip(self.chips, shown, strict=False):
            position = positions[turn_id]
            chip.setText(f"#{position}")
            chip.setAccessibleName(f"Go to turn {position}")
            chip.setProperty("turn_id", turn_id)
        for number, chip in enumerate(self.chips):
            chip.setVisible(number < len(shown))
        self.more.setText(f"+{len(cited) - MAX_CHIPS}" if len(cited) > MAX_CHIPS else "")
        self.more.setVisible(len(cited) > MAX_CHIPS)

    def shown_chips(self) -> list[QToolButton]:
        return [chip for chip in self.chips if not chip.isHidden()]

    def _new_chip(self) -> QToolButton:
        chip = QToolButton(self.widget)
        chip.setCursor(Qt.CursorShape.PointingHandCursor)
        chip.setAutoRaise(True)
        chip.clicked.connect(partial(self._body.chip_clicked, chip))
        # After the label and the chips before it, before the "+N" count.
        self._layout.insertWidget(len(self.chips) + 1, chip, 0, Qt.AlignmentFlag.AlignTop)
        return chip


class SummaryBody(QWidget):
    """`show_statements` fills it; `turn_requested(turn_id)` when a chip is clicked."""

    turn_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Summary sections")
        self.setStyleSheet(CHIP_STYLE)  # once for every chip: a sheet per chip costs a polish
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 4, 0)
        self._layout.setSpacing(4)
        self._headings: list[QLabel] = []
        self._rows: list[_Row] = []
        # What shows now, in order.
        self.section_labels: list[QLabel] = []
        self.statement_labels: list[QLabel] = []
        self.chips: list[QToolButton] = []

    def show_statements(
        self, statements: list[tuple[str, Statement]], positions: Mapping[str, int]
    ) -> None:
        """One title per section, then its statements with chips for the cited turns that
        `positions` knows (turn id → 1-based place); at most MAX_STATEMENTS."""
        layout = self._layout
        while layout.count():  # the widgets stay; only their places are redone
            layout.takeAt(0)
        headings: list[QLabel] = []
        rows: list[_Row] = []
        previous = ""
        for section, statement in statements[:MAX_STATEMENTS]:
            title = SECTION_TITLES.get(section, clip(section, 60))
            if section != previous:
                heading = self._heading(len(headings))
                heading.setText(title)
                heading.setAccessibleName(f"Section: {title}")
                heading.setContentsMargins(0, 8 if previous else 0, 0, 0)
                layout.addWidget(heading)
                headings.append(heading)
                previous = section
            row = self._row(len(rows))
            row.fill(title, statement, positions)
            layout.addWidget(row.widget)
            rows.append(row)
        layout.addStretch(1)
        for heading in self._headings:
            heading.setVisible(heading in headings)
        for row in self._rows:
            row.widget.setVisible(row in rows)
        self.section_labels = headings
        self.statement_labels = [row.label for row in rows]
        self.chips = [chip for row in rows for chip in row.shown_chips()]

    def chip_clicked(self, chip: QToolButton) -> None:
        self.turn_requested.emit(str(chip.property("turn_id")))

    def _heading(self, number: int) -> QLabel:
        while len(self._headings) <= number:
            heading = plain_label(parent=self)
            bold = heading.font()
            bold.setBold(True)
            heading.setFont(bold)
            self._headings.append(heading)
        return self._headings[number]

    def _row(self, number: int) -> _Row:
        while len(self._rows) <= number:
            self._rows.append(_Row(self))
        return self._rows[number]
