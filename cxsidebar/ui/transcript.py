"""The bot transcript: a list model over the turns and the view that shows them.

No widget per row: `transcript_delegate.TranscriptDelegate` draws each turn.
Turns are cleaned once, when they enter the model. The turns that made the bot
give up (`insight.turn_marks`) are marked; find and `jump_to_turn` move to a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractListModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from cxsidebar.core import Turn, clean_text

from .insight import Mark, marks_text
from .text import clip, format_clock
from .transcript_delegate import (
    SPEAKER_NAMES,
    Index,
    MarksRole,
    MeasureRole,
    MetaRole,
    SpeakerRole,
    TextRole,
    TimeRole,
    TranscriptDelegate,
    TurnRole,
)

__all__ = [
    "MarksRole",
    "MeasureRole",
    "MetaRole",
    "SpeakerRole",
    "TextRole",
    "TimeRole",
    "TranscriptModel",
    "TranscriptView",
    "TurnRole",
    "meta_text",
    "sentiment_word",
]

ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)
DISPLAY_LIMIT = 20_000  # characters of one turn drawn in the list; copying gives them all


def sentiment_word(value: float) -> str:
    if value <= -0.3:
        return "negative"
    if value >= 0.3:
        return "positive"
    return "neutral"


def meta_text(turn: Turn) -> str:
    parts = []
    if turn.intent:
        intent = clip(turn.intent)
        if turn.confidence is not None:
            intent += f" ({turn.confidence:.0%})"
        parts.append(f"intent {intent}")
    if turn.sentiment is not None:
        parts.append(f"sentiment {turn.sentiment:+.2f} {sentiment_word(turn.sentiment)}")
    return " · ".join(parts)


class _Row:
    """One turn; its display strings are made on first use, so 10,000 turns load fast."""

    __slots__ = ("_clock", "_meta", "_text", "folded", "turn")

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self._text: str | None = None
        self._clock: str | None = None
        self._meta: str | None = None
        self.folded: str | None = None  # casefolded text, made on the first find

    @property
    def text(self) -> str:
        if self._text is None:
            text = clean_text(self.turn.text)
            if len(text) > DISPLAY_LIMIT:
                more = len(text) - DISPLAY_LIMIT
                text = f"{text[:DISPLAY_LIMIT]}… [{more:,} more characters: copy the turn]"
            # QTextLayout does not break at "\n"; the Unicode line separator it does.
            self._text = text.replace("\n", "\u2028")
        return self._text

    @property
    def clock(self) -> str:
        if self._clock is None:
            self._clock = format_clock(self.turn.at)
        return self._clock

    @property
    def meta(self) -> str:
        if self._meta is None:
            self._meta = meta_text(self.turn)
        return self._meta


class TranscriptModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._by_id: dict[str, int] = {}
        self._marks: dict[str, str] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            marks = self._marks.get(row.turn.id)
            flagged = f" (escalation trigger: {marks})" if marks else ""
            return f"{SPEAKER_NAMES[row.turn.speaker]} at {row.clock}{flagged}: {row.text}"
        if role == TurnRole:
            return row.turn
        if role == SpeakerRole:
            return row.turn.speaker.value  # Qt hands enums back as plain str
        if role == TimeRole:
            return row.clock
        if role == TextRole:
            return row.text
        if role == MetaRole:
            return row.meta
        if role == MarksRole:
            return self._marks.get(row.turn.id, "")
        if role == MeasureRole:
            return row.text, bool(row.meta) or row.turn.id in self._marks
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- changes -------------------------------------------------------------------------

    def set_turns(self, turns: list[Turn]) -> None:
        self.beginResetModel()
        self._rows = [_Row(t) for t in turns]
        self._by_id = {row.turn.id: number for number, row in enumerate(self._rows)}
        self.endResetModel()

    def append(self, turns: list[Turn]) -> None:
        if not turns:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(turns) - 1)
        for turn in turns:
            self._by_id[turn.id] = len(self._rows)
            self._rows.append(_Row(turn))
        self.endInsertRows()

    def clear(self) -> None:
        self._marks = {}
        self.set_turns([])

    def continues(self, turns: list[Turn]) -> bool:
        """Whether `turns` starts with the turns shown (the same conversation, maybe grown)."""
        shown = len(self._rows)
        return len(turns) >= shown and all(
            row.turn is turn or row.turn.id == turn.id
            for row, turn in zip(self._rows, turns, strict=False)
        )

    def refresh(self, turns: list[Turn]) -> None:
        """The same conversation again: append what is new, reset only if history changed."""
        if self.continues(turns):
            self.append(turns[len(self._rows) :])
        else:
            self.set_turns(turns)

    def set_marks(self, marks: Mapping[str, frozenset[Mark]], *, merge: bool = False) -> None:
        """Which turns triggered the escalation (turn id → marks); repaints the rows that change.

        With `merge`, `marks` only adds to what is known (the marks of appended turns).
        """
        new = {turn_id: marks_text(found) for turn_id, found in marks.items() if found}
        if merge:
            changed = {k for k, v in new.items() if self._marks.get(k) != v}
            self._marks.update(new)
        else:
            changed = {
                k for k in new.keys() | self._marks.keys() if new.get(k) != self._marks.get(k)
            }
            self._marks = new
        for turn_id in changed:
            row = self._by_id.get(turn_id)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index, [MarksRole])

    # -- lookups ---------------------------------------------------------------------------

    def row_of_turn(self, turn_id: str) -> int | None:
        return self._by_id.get(turn_id)

    def marked_rows(self) -> list[int]:
        return sorted(r for t, r in self._by_id.items() if t in self._marks)

    def find(self, query: str, start: int, *, backward: bool = False) -> int | None:
        """The next row after `start` (or before it, backward) whose text contains `query`.

        Case-insensitive, wrapping around; None when nothing matches.
        """
        needle = query.casefold()
        count = len(self._rows)
        if not needle or count == 0:
            return None
        step = -1 if backward else 1
        for offset in range(1, count + 1):
            number = (start + step * offset) % count
            if needle in self._folded(number):
                return number
        return None

    def count_matches(self, query: str) -> int:
        needle = query.casefold()
        if not needle:
            return 0
        return sum(1 for number in range(len(self._rows)) if needle in self._folded(number))

    def _folded(self, number: int) -> str:
        row = self._rows[number]
        if row.folded is None:
            row.folded = row.text.casefold()
        return row.folded

    def full_text(self, row: int) -> str:
        """A turn's whole cleaned text, as copying gives it."""
        turn = self._rows[row].turn
        return f"{SPEAKER_NAMES[turn.speaker]} at {self._rows[row].clock}: {clean_text(turn.text)}"


class TranscriptView(QListView):
    """A read-only list of turns; Ctrl+C copies the selected turns as plain text.

    Rows are laid out in batches and their heights cached per width, so a
    10,000-turn transcript never freezes the window; while the agent is at the
    bottom the view follows the newest turn, and a new transcript's bottom rows
    are measured before the rest (see `transcript_delegate`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Bot transcript")
        self.setAccessibleDescription(
            "The conversation between the customer and the bot, oldest first."
            " Turns that made the bot escalate are marked."
        )
        self._delegate = TranscriptDelegate(self)
        self.setItemDelegate(self._delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A scroll bar that comes and goes changes the width, and every height with it.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self._follow = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._keep_at_bottom)
        bar.valueChanged.connect(self._note_position)

    @property
    def delegate(self) -> TranscriptDelegate:
        return self._delegate

    def set_highlight(self, query: str) -> None:
        """Highlight the find bar's matches in every drawn turn ("" for none)."""
        self._delegate.set_highlight(query)
        self.viewport().update()

    def follow_tail(self) -> None:
        """Stay at the newest turn while rows are laid out or added, until the agent scrolls up."""
        self._follow = True
        self._keep_at_bottom()

    def _keep_at_bottom(self, *_: int) -> None:
        if self._follow:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _note_position(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 2

    def go_to_row(self, row: int) -> None:
        """Select and show one turn; the view stops following the newest turn."""
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        self._follow = False
        index = model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def setModel(self, model: Any) -> None:
        self._delegate.forget()  # heights and estimates belong to the rows of the old model
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._model_reset)
            model.rowsRemoved.connect(self._delegate.forget)
            model.dataChanged.connect(self._row_changed)

    def _model_reset(self) -> None:
        if self._follow:  # the newest turns are painted first: measure them first
            self._delegate.measure_tail_first(self.viewport().height())
        else:
            self._delegate.forget()

    def _row_changed(self, top: Index, bottom: Index, roles: list[int] | None = None) -> None:
        if top.row() == bottom.row():  # a mark came or went: the row may grow a line
            self._delegate.forget_row(top.row())

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._delegate.set_width(self.viewport().width()):
            self.scheduleDelayedItemsLayout()
        super().resizeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model = self.model()
        if event.matches(QKeySequence.StandardKey.Copy) and isinstance(model, TranscriptModel):
            rows = sorted(i.row() for i in self.selectionModel().selectedRows())
            text = "\n".join(model.full_text(r) for r in rows)
            if text:
                QGuiApplication.clipboard().setText(text)
            return
        super().keyPressEvent(event)
