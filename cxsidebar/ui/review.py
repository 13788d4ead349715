"""Review mode: how good was the context agents got, by group, by flow, rating by rating.

A wiring shell like the main window: the filter bar, the group table and charts,
"worst flows", the ratings list and the drill-down. It does no I/O: it asks
through signals, each carrying a ticket, and the app answers through the slots
with the same ticket, so an answer to an older question is dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import GroupBy, QualityReport, RatedContext, RatingPage, ReportRow

from .review_charts import ReviewCharts
from .review_detail import RatingDetail
from .review_filters import FilterBar, ReviewFilters
from .review_models import GroupModel, RatingsModel, RowRole, worst_flows
from .text import clip, plain_label, plural

TAB_OVERVIEW, TAB_WORST, TAB_RATINGS = range(3)
PAGE_SIZE = 100
_ERROR = "color: #c5221f; font-weight: bold;"


def _now() -> datetime:
    return datetime.now(UTC)


def _table(name: str, model: GroupModel | RatingsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setMaximumSectionSize(320)  # a long group name cannot take it all
    view.horizontalHeader().setResizeContentsPrecision(40)  # fit to the first rows only
    return view


class ReviewView(QWidget):
    """Supervisors' Review mode. Signals ask the app; slots show its answers."""

    # ticket, core.ReportFilters, core.GroupBy → show_report / report_failed
    report_requested = Signal(int, object, object)
    # ticket, core.ReportFilters, cursor (str | None) → show_ratings / ratings_failed
    ratings_requested = Signal(int, object, object)
    rated_context_requested = Signal(object)  # rating id (UUID) → show_rated_context / _failed
    # core.ReportFilters, target path → export_finished / export_failed
    export_requested = Signal(object, str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = _now,
        save_path: Callable[[QWidget, str], str] | None = None,
    ) -> None:
        """`save_path(parent, suggested)`: the save dialog, replaceable in tests ("" = cancel)."""
        super().__init__(parent)
        self.setAccessibleName("Review mode")
        self._save_path = save_path or _ask_save_path
        self._ticket = 0
        self._pending: dict[int, GroupBy] = {}  # report tickets of the current question
        self._ratings_ticket = 0
        self._cursor: str | None = None
        self._asked: ReviewFilters | None = None
        self._rated_id: uuid.UUID | None = None
        self._failed: list[str] = []
        self._build(clock)
        self._connect_signals()

    # -- construction ----------------------------------------------------------------------

    def _build(self, clock: Callable[[], datetime]) -> None:
        self.filter_bar = FilterBar(self, clock=clock)
        self.status_label = plain_label(name="Review status", wrap=True)
        self.export_button = QPushButton("&Export CSV…", self)
        self.export_button.setAccessibleName("Export the matching ratings to CSV")

        self.group_model = GroupModel(self)
        self.group_view = _table("Report groups", self.group_model)
        self.charts = ReviewCharts(self)
        overview = QSplitter(Qt.Orientation.Vertical)
        overview.addWidget(self.group_view)
        overview.addWidget(self.charts)
        overview.setSizes([300, 320])
        self.group_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        self.worst_model = GroupModel(self)
        self.worst_view = _table("Worst flows", self.worst_model)
        self.worst_view.setSortingEnabled(False)  # the ranking is the order
        self.worst_label = plain_label(name="Worst flows explained", wrap=True)
        worst = QWidget()
        worst_layout = QVBoxLayout(worst)
        worst_layout.addWidget(self.worst_label)
        worst_layout.addWidget(self.worst_view, 1)

        self.ratings_model = RatingsModel(self)
        self.ratings_view = _table("Ratings", self.ratings_model)
        self.ratings_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.more_button = QPushButton("Load &more", self)
        self.more_button.setAccessibleName("Load more ratings")
        self.more_button.setEnabled(False)
        self.open_button = QPushButton("&Open rating", self)
        self.open_button.setAccessibleName("Open the selected rating's context")
        self.detail = RatingDetail(self)
        ratings_box = QWidget()
        ratings_layout = QVBoxLayout(ratings_box)
        ratings_layout.setContentsMargins(0, 0, 0, 0)
        ratings_layout.addWidget(self.ratings_view, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.more_button)
        ratings_layout.addLayout(buttons)
        ratings_split = QSplitter(Qt.Orientation.Horizontal)
        ratings_split.addWidget(ratings_box)
        ratings_split.addWidget(self.detail)
        ratings_split.setStretchFactor(0, 1)
        ratings_split.setStretchFactor(1, 1)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Review views")
        self.tabs.addTab(overview, "&Overview")
        self.tabs.addTab(worst, "&Worst flows")
        self.tabs.addTab(ratings_split, "&Ratings")

        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addWidget(self.filter_bar)
        layout.addLayout(status_row)
        layout.addWidget(self.tabs, 1)
        order = [
            *self.filter_bar.focus_order(),
            self.export_button,
            self.tabs,
            self.group_view,
            self.worst_view,
            self.ratings_view,
            self.open_button,
            self.more_button,
            self.detail.verdict,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self._set_status("Choose filters and Apply.", error=False)

    def _connect_signals(self) -> None:
        self.filter_bar.apply_requested.connect(self.ask)
        self.export_button.clicked.connect(self.export)
        self.more_button.clicked.connect(self.load_more)
        self.open_button.clicked.connect(self.open_selected)
        self.ratings_view.activated.connect(self._open_index)
        self.ratings_view.doubleClicked.connect(self._open_index)

    # -- asking ---------------------------------------------------------------------------

    def ask(self, query: ReviewFilters | None = None) -> None:
        """Ask the hub for the report groups, the charts' groupings and the first ratings."""
        query = query or self.filter_bar.filters()
        self._asked = query
        self._pending.clear()
        self._failed.clear()
        for group_by in dict.fromkeys((query.group_by, GroupBy.DAY, GroupBy.FLOW)):
            self._ticket += 1
            self._pending[self._ticket] = group_by
            self.report_requested.emit(self._ticket, query.filters, group_by)
        self.ratings_model.set_items([])
        self._cursor = None
        self._request_ratings(None)
        self._set_status("Loading…", error=False)

    def refresh(self) -> None:
        self.filter_bar.apply()

    def load_more(self) -> None:
        if self._cursor is not None and self._asked is not None:
            self.more_button.setEnabled(False)
            self._request_ratings(self._cursor)

    def _request_ratings(self, cursor: str | None) -> None:
        assert self._asked is not None
        self._ticket += 1
        self._ratings_ticket = self._ticket
        self.ratings_requested.emit(self._ticket, self._asked.filters, cursor)

    def open_selected(self) -> None:
        index = self.ratings_view.currentIndex()
        if index.isValid():
            self._open_index(index)

    def _open_index(self, index: QModelIndex) -> None:
        item = index.data(RowRole)
        if item is None:
            return
        self._rated_id = item.rating.id
        self.detail.show_loading()
        self.rated_context_requested.emit(item.rating.id)

    def export(self) -> None:
        """Ask where, then let the app fetch the hub's CSV and write it off the GUI thread."""
        query = self._asked or self.filter_bar.filters()
        path = self._save_path(self, "ratings.csv")
        if not path:
            return
        self.export_button.setEnabled(False)
        self._set_status(f"Exporting to {Path(path).name}…", error=False)
        self.export_requested.emit(query.filters, path)

    # -- answers (slots the app calls) ----------------------------------------------------

    @Slot(int, object)
    def show_report(self, ticket: int, report: QualityReport) -> None:
        group_by = self._pending.pop(ticket, None)
        if group_by is None or self._asked is None:
            return  # an answer to an older question
        rows = list(report.rows)
        if group_by is self._asked.group_by:
            self.group_model.set_report_rows(rows, median_estimated=report.median_estimated)
            self.group_view.resizeColumnsToContents()
        if group_by is GroupBy.DAY:
            self.charts.set_days(rows)
        if group_by is GroupBy.FLOW:
            self.charts.set_flows(rows)
            self._show_worst(rows)
        self._settle()

    @Slot(int, str)
    def report_failed(self, ticket: int, message: str) -> None:
        if self._pending.pop(ticket, None) is not None:
            self._failed.append(message)
            self._settle()

    @Slot(int, object)
    def show_ratings(self, ticket: int, page: RatingPage) -> None:
        if ticket != self._ratings_ticket:
            return
        first = self.ratings_model.rowCount() == 0
        self.ratings_model.add_page(list(page.items))
        if first:
            self.ratings_view.resizeColumnsToContents()
        self._cursor = page.next_cursor
        self.more_button.setEnabled(page.next_cursor is not None)
        self._settle()

    @Slot(int, str)
    def ratings_failed(self, ticket: int, message: str) -> None:
        if ticket == self._ratings_ticket:
            self.more_button.setEnabled(self._cursor is not None)
            self._failed.append(message)
            self._settle()

    @Slot(object)
    def show_rated_context(self, answer: RatedContext) -> None:
        if answer.item.rating.id == self._rated_id:
            self.detail.show_rated(answer)

    @Slot(object, str)
    def rated_context_failed(self, rating_id: uuid.UUID, message: str) -> None:
        if rating_id == self._rated_id:
            self.detail.show_error(message)

    @Slot(str, int)
    def export_finished(self, path: str, size: int) -> None:
        self.export_button.setEnabled(True)
        self._set_status(f"Exported {size:,} bytes to {clip(path, 500)}", error=False)

    @Slot(str, str)
    def export_failed(self, path: str, message: str) -> None:
        self.export_button.setEnabled(True)
        self._set_status(f"Export to {clip(path, 500)} failed: {clip(message, 1000)}", error=True)

    # -- internals ----------------------------------------------------------------------------

    def _show_worst(self, rows: list[ReportRow]) -> None:
        assert self._asked is not None
        minimum = self._asked.min_ratings
        worst = worst_flows(rows, minimum)
        self.worst_model.set_report_rows(worst)
        self.worst_view.resizeColumnsToContents()
        if worst:
            text = (
                f"Bot flows with at least {plural(minimum, 'rating')}, worst first: the highest"
                ' "had to repeat" share, then the lowest mean.'
            )
        else:
            text = f"No bot flow has {plural(minimum, 'rating')} or more for these filters."
        self.worst_label.setText(text)

    def _settle(self) -> None:
        """The status line once the answers are in: error, empty or a count."""
        if self._pending:
            return
        if self._failed:
            self._set_status("Could not load: " + clip(self._failed[0], 1000), error=True)
            return
        total = sum(self.group_model.row_object(r).ratings for r in range(self._day_rows()))
        if self.group_model.rowCount() == 0:
            self._set_status("No ratings match these filters.", error=False)
        else:
            self._set_status(
                f"{plural(self.group_model.rowCount(), 'group')} · "
                f"{plural(self.ratings_model.rowCount(), 'rating')} listed"
                + (f" · {total:,} rated" if total else ""),
                error=False,
            )

    def _day_rows(self) -> int:
        """Rows of the group table that partition the ratings (not reason: it overlaps)."""
        if self._asked is None or self._asked.group_by is GroupBy.REASON:
            return 0
        return self.group_model.rowCount()

    def _set_status(self, text: str, *, error: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(_ERROR if error else "")


def _ask_save_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(
        parent, "Export ratings", suggested, "CSV files (*.csv);;All files (*)"
    )
    return path
