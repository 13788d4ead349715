"""Review mode's filters: what the supervisor picks, and the query parameters it becomes.

`ReviewFilters` is plain data (no Qt) so the mapping to the hub's query string is
tested on its own; `FilterBar` is the row of controls that makes one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from cxsidebar.core import NO_SUMMARY, GroupBy, ReasonKind, ReportFilters

SUMMARISERS = ("extractive", "llm", NO_SUMMARY)
# (label, days back; None: all time; 0: the custom dates)
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("All time", None),
    ("Custom dates", 0),
)
DEFAULT_MIN_RATINGS = 5


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReviewFilters:
    """One Review-mode question: the hub's filters, the grouping and the worst-flows minimum."""

    filters: ReportFilters = field(default_factory=ReportFilters)
    group_by: GroupBy = GroupBy.DAY
    min_ratings: int = DEFAULT_MIN_RATINGS  # for "worst flows"; not sent to the hub

    def __post_init__(self) -> None:
        if self.min_ratings < 1:
            raise ValueError("min_ratings must be at least 1")


def split_values(text: str) -> list[str]:
    """`"billing, payments"` → `["billing", "payments"]`: several values match any of them."""
    return [part.strip() for part in text.split(",") if part.strip()]


def period_range(
    days: int | None, now: datetime, first: date | None = None, last: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """(since, until) of a period choice; custom dates run from `first` through `last`."""
    if days is None:
        return None, None
    if days > 0:
        start = datetime.combine(now.astimezone(UTC).date(), time(), UTC) - timedelta(days=days - 1)
        return start, None
    since = datetime.combine(first, time(), UTC) if first else None
    until = datetime.combine(last, time(), UTC) + timedelta(days=1) if last else None
    return since, until


class FilterBar(QWidget):
    """The controls; `apply_requested` carries a `ReviewFilters` (Apply, or Enter in a field)."""

    apply_requested = Signal(object)

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], datetime] = _now
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Review filters")
        self._clock = clock
        self.period = QComboBox(self)
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.period.setCurrentIndex(1)
        self.period.setAccessibleName("Time range")
        day = clock().astimezone(UTC).date()
        today = QDate(day.year, day.month, day.day)
        self.first_date = self._date_edit(today.addDays(-29), "From date")
        self.last_date = self._date_edit(today, "Through date")
        self.period.currentIndexChanged.connect(self._period_changed)
        self._period_changed()

        self.queue = self._line("Queue")
        self.flow = self._line("Bot flow")
        self.agent = self._line("Agent")
        self.channel = self._line("Channel")
        self.reason = self._combo("Reason", [("Any reason", ""), *_reason_items()])
        self.summariser = self._combo(
            "Summariser", [("Any summariser", ""), *((s, s) for s in SUMMARISERS)]
        )
        self.group_by = self._combo("Group by", [(g.value, g.value) for g in GroupBy])
        self.min_ratings = QSpinBox(self)
        self.min_ratings.setRange(1, 100_000)
        self.min_ratings.setValue(DEFAULT_MIN_RATINGS)
        self.min_ratings.setAccessibleName("Minimum ratings for worst flows")
        self.apply_button = QPushButton("&Apply", self)
        self.apply_button.setAccessibleName("Apply filters")
        self.apply_button.clicked.connect(self.apply)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        rows = (
            ("&Time range", self.period, "", None),
            ("&Queue", self.queue, "&Flow", self.flow),
            ("Rea&son", self.reason, "A&gent", self.agent),
            ("C&hannel", self.channel, "S&ummariser", self.summariser),
            ("Group &by", self.group_by, "&Min. ratings", self.min_ratings),
        )
        for number, (left, left_widget, right, right_widget) in enumerate(rows):
            grid.addWidget(_buddy(left, left_widget), number, 0)
            grid.addWidget(left_widget, number, 1)
            if right_widget is not None:
                grid.addWidget(_buddy(right, right_widget), number, 2)
                grid.addWidget(right_widget, number, 3)
        dates = QHBoxLayout()
        dates.addWidget(self.first_date)
        dates.addWidget(self.last_date)
        grid.addLayout(dates, 0, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(grid, 1)
        layout.addWidget(self.apply_button)

    def focus_order(self) -> list[QWidget]:
        return [
            self.period,
            self.first_date,
            self.last_date,
            self.queue,
            self.flow,
            self.reason,
            self.agent,
            self.channel,
            self.summariser,
            self.group_by,
            self.min_ratings,
            self.apply_button,
        ]

    def filters(self) -> ReviewFilters:
        first = self.first_date.date().toPython()
        last = self.last_date.date().toPython()
        assert isinstance(first, date)
        assert isinstance(last, date)
        since, until = period_range(self.period.currentData(), self._clock(), first, last)
        reason = self.reason.currentData()
        summariser = self.summariser.currentData()
        filters = ReportFilters(
            since=since,
            until=until,
            queue=split_values(self.queue.text()),
            flow=split_values(self.flow.text()),
            reason=[ReasonKind(reason)] if reason else [],
            agent=split_values(self.agent.text()),
            channel=split_values(self.channel.text()),
            summariser=[summariser] if summariser else [],
        )
        return ReviewFilters(
            filters, GroupBy(self.group_by.currentData()), self.min_ratings.value()
        )

    def apply(self) -> None:
        self.apply_requested.emit(self.filters())

    def _period_changed(self) -> None:
        custom = self.period.currentData() == 0
        self.first_date.setEnabled(custom)
        self.last_date.setEnabled(custom)

    def _date_edit(self, value: QDate, name: str) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setAccessibleName(name)
        return edit

    def _line(self, name: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText("any (comma-separated)")
        edit.setAccessibleName(name)
        edit.setClearButtonEnabled(True)
        edit.returnPressed.connect(self.apply)
        return edit

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        for label, value in items:
            combo.addItem(label, value)
        combo.setAccessibleName(name)
        return combo


def _buddy(text: str, widget: QWidget) -> QLabel:
    """A fixed label whose Alt+letter focuses `widget`."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setBuddy(widget)
    return label


def _reason_items() -> list[tuple[str, str]]:
    return [(kind.value.replace("_", " "), kind.value) for kind in ReasonKind]
