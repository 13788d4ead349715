"""Review mode's tables: report groups and individual ratings, as QAbstractTableModels.

Display text is cleaned and clipped once when rows arrive (`data()` stays cheap),
and so are the sort keys: the models sort themselves (`sort`, which a QTableView
with sorting enabled calls) with Python's sort over those keys, numbers as
numbers and None first, instead of a proxy calling `data()` per comparison.
`SortRole` gives a cell's sort key; `RowRole` the whole row object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from cxsidebar.core import RatingListItem, ReportRow

from .text import clip

Index = QModelIndex | QPersistentModelIndex

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
_NUMERIC = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class Column(NamedTuple):
    title: str
    value: Callable[[Any], Any]  # the raw value, for sorting (None sorts first)
    text: Callable[[Any], str]  # what the cell shows
    numeric: bool = False


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _seconds(ms: float | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.1f} s"


def _top_problem(row: ReportRow) -> str:
    if not row.top_problems:
        return "—"
    first = row.top_problems[0]
    return f"{first.problem.value.replace('_', ' ')} ({first.count})"


GROUP_COLUMNS: tuple[Column, ...] = (
    Column("Group", lambda r: r.key, lambda r: clip(r.label)),
    Column("Ratings", lambda r: r.ratings, lambda r: str(r.ratings), True),
    Column("Mean", lambda r: r.mean_overall, lambda r: _mean(r.mean_overall), True),
    Column("Had to repeat", lambda r: r.repeated_share, lambda r: _share(r.repeated_share), True),
    Column("Top problem", _top_problem, _top_problem),
    Column(
        "Median first action",
        lambda r: r.median_first_action_ms,
        lambda r: _seconds(r.median_first_action_ms),
        True,
    ),
    Column("FCR", lambda r: r.fcr_share, lambda r: _share(r.fcr_share), True),
    Column("Transcript", lambda r: r.parts.transcript, lambda r: _mean(r.parts.transcript), True),
    Column("Summary", lambda r: r.parts.summary, lambda r: _mean(r.parts.summary), True),
    Column("Profile", lambda r: r.parts.profile, lambda r: _mean(r.parts.profile), True),
    Column("History", lambda r: r.parts.history, lambda r: _mean(r.parts.history), True),
)


def _words(values: Sequence[Any]) -> str:
    return ", ".join(str(getattr(v, "value", v)).replace("_", " ") for v in values) or "—"


RATING_COLUMNS: tuple[Column, ...] = (
    Column(
        "Rated",
        lambda i: i.rating.created_at,
        lambda i: i.rating.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
    ),
    Column("Overall", lambda i: i.rating.overall, lambda i: str(i.rating.overall), True),
    Column("Agent", lambda i: i.agent, lambda i: clip(i.agent)),
    Column("Queue", lambda i: i.queue, lambda i: clip(i.queue)),
    Column("Flow", lambda i: i.flow, lambda i: clip(i.flow)),
    Column("Channel", lambda i: i.channel, lambda i: clip(i.channel)),
    Column("Reasons", lambda i: _words(i.reasons), lambda i: _words(i.reasons)),
    Column("Summariser", lambda i: i.summariser, lambda i: clip(i.summariser)),
    Column(
        "Repeated",
        lambda i: i.rating.customer_repeated,
        lambda i: _words(i.rating.repeated) if i.rating.customer_repeated else "no",
    ),
    Column("Problems", lambda i: _words(i.rating.problems), lambda i: _words(i.rating.problems)),
    Column(
        "Outcome",
        lambda i: i.rating.outcome or "",
        lambda i: _words([i.rating.outcome]) if i.rating.outcome else "—",
    ),
    Column("Escalation", lambda i: i.rating.escalation_id, lambda i: clip(i.rating.escalation_id)),
    Column("Comment", lambda i: i.rating.comment, lambda i: clip(i.rating.comment, 200)),
)


class _Row:
    __slots__ = ("obj", "sort", "texts")

    def __init__(self, obj: Any, columns: Sequence[Column]) -> None:
        self.obj = obj
        self.texts = [column.text(obj) for column in columns]
        self.sort = [_sortable(column.value(obj)) for column in columns]


def _sortable(value: Any) -> Any:
    """None first, then the value; numbers and strings compare among themselves."""
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    if hasattr(value, "timestamp"):
        return (1, value.timestamp())
    return (2, str(value).casefold())


class _TableModel(QAbstractTableModel):
    columns: tuple[Column, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._order: tuple[int, Qt.SortOrder] | None = None  # the last sort asked for

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if not 0 <= column < len(self.columns):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.texts[column]
        if role == SortRole:
            return row.sort[column]
        if role == RowRole:
            return row.obj
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[column].numeric:
            return int(_NUMERIC)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].title
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def row_object(self, row: int) -> Any:
        return self._rows[row].obj if 0 <= row < len(self._rows) else None

    def set_rows(self, objects: Sequence[Any]) -> None:
        """A new answer: a real reload (in the current sort order)."""
        self.beginResetModel()
        self._rows = [_Row(obj, self.columns) for obj in objects]
        if self._order is not None:
            self._sort_rows(*self._order)
        self.endResetModel()

    def append_rows(self, objects: Sequence[Any]) -> None:
        """Another page: appended, then put in the current sort order."""
        if not objects:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(objects) - 1)
        self._rows.extend(_Row(obj, self.columns) for obj in objects)
        self.endInsertRows()
        if self._order is not None:
            self.sort(*self._order)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._order = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = {id(row): number for number, row in enumerate(self._rows)}
        self._sort_rows(column, order)
        moved = {before[id(row)]: number for number, row in enumerate(self._rows)}
        old = self.persistentIndexList()
        new = [self.index(moved[index.row()], index.column()) for index in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self._rows.sort(key=lambda row: row.sort[column], reverse=descending)


ESTIMATED_MEDIAN = (
    "Estimated from the hub's running totals: within 19 % of the exact median "
    "(narrow the filters or the dates for the exact figure)"
)


class GroupModel(_TableModel):
    """One row per report group (`core.ReportRow`)."""

    columns = GROUP_COLUMNS
    MEDIAN = next(i for i, c in enumerate(GROUP_COLUMNS) if c.title == "Median first action")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.median_estimated = False

    def set_report_rows(self, rows: Sequence[ReportRow], *, median_estimated: bool = False) -> None:
        """`median_estimated`: the hub estimated the medians (`QualityReport`); the
        column's header says so with "≈" and a tooltip."""
        if median_estimated != self.median_estimated:
            self.median_estimated = median_estimated
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.MEDIAN, self.MEDIAN)
        self.set_rows(rows)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        median = orientation == Qt.Orientation.Horizontal and section == self.MEDIAN
        if median and self.median_estimated:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"≈ {self.columns[section].title}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return ESTIMATED_MEDIAN
        return super().headerData(section, orientation, role)


class RatingsModel(_TableModel):
    """Individual ratings (`core.RatingListItem`), newest first; pages append."""

    columns = RATING_COLUMNS

    def set_items(self, items: Sequence[RatingListItem]) -> None:
        self.set_rows(items)

    def add_page(self, items: Sequence[RatingListItem]) -> None:
        self.append_rows(items)


def worst_flows(rows: Sequence[ReportRow], min_ratings: int, limit: int = 10) -> list[ReportRow]:
    """Flows with at least `min_ratings` ratings, worst first: the highest "had to
    repeat" share, then the lowest mean, then the most ratings; ties by key."""
    eligible = [row for row in rows if row.ratings >= min_ratings]
    eligible.sort(key=lambda r: (-r.repeated_share, r.mean_overall, -r.ratings, r.key))
    return eligible[:limit]
