"""Review mode's charts, drawn with pyqtgraph.

This module imports pyqtgraph (and with it numpy) at the top: only `review.py`
imports it, and the main window imports that only when a supervisor opens
Review, so the sidebar's start-up never pays for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs or py.typed
from PySide6.QtWidgets import QApplication, QHBoxLayout, QMenu, QWidget

from cxsidebar.core import ReportRow

from .text import clip

BAR = (66, 133, 244)
LINE = (26, 115, 232)
REPEAT = (234, 134, 0)
FLOW_LABEL = 28  # characters of a flow name on the axis


def day_of(key: str) -> float | None:
    """A day/week row key ("2026-11-23") as a UTC timestamp; None for other keys."""
    try:
        return datetime.strptime(key, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def distribution(rows: Sequence[ReportRow]) -> list[int]:
    """Counts of scores 1..5 over the rows (rows of a day grouping partition the ratings)."""
    totals = [0] * 5
    for row in rows:
        for score, count in enumerate(row.distribution):
            totals[score] += count
    return totals


def _plot(title: str, name: str, **axes: pg.AxisItem) -> pg.PlotWidget:
    plot = pg.PlotWidget(axisItems=axes or None)
    plot.setBackground(None)  # the palette's window colour, light or dark
    plot.setTitle(title)
    plot.setAccessibleName(name)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMinimumSize(220, 180)
    return plot


class ReviewCharts(QWidget):
    """Rating trend over time, the 1-5 distribution, "had to repeat" share by flow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Review charts")
        before = set(QApplication.topLevelWidgets())
        self.trend = _plot(
            "Mean rating by day", "Rating trend", bottom=pg.DateAxisItem(orientation="bottom")
        )
        self.trend.setYRange(1, 5, padding=0.05)
        self.trend.setLabel("left", "mean 1-5")
        self.distribution = _plot("Distribution", "Rating distribution")
        self.distribution.getAxis("bottom").setTicks([[(n, str(n)) for n in range(1, 6)]])
        self.distribution.setLabel("left", "ratings")
        self.repeat = _plot('"Had to repeat" by flow', "Had to repeat share by flow")
        self.repeat.setXRange(0, 100, padding=0.02)
        self.repeat.setLabel("bottom", "% of ratings")
        # pyqtgraph makes its (here disabled) context menus without a parent: give them
        # one, so they are deleted with the charts instead of living on as windows.
        for widget in set(QApplication.topLevelWidgets()) - before:
            if isinstance(widget, QMenu):
                widget.setParent(self, widget.windowFlags())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.trend, 3)
        layout.addWidget(self.distribution, 2)
        layout.addWidget(self.repeat, 3)
        self.trend_points: list[tuple[float, float]] = []
        self.distribution_counts: list[int] = [0] * 5
        self.repeat_bars: list[tuple[str, float]] = []

    def set_days(self, rows: Sequence[ReportRow]) -> None:
        """A day-grouped report: the trend line and the distribution."""
        points = [(x, row.mean_overall) for row in rows if (x := day_of(row.key)) is not None]
        self.trend_points = points
        self.trend.clear()
        if points:
            xs, ys = zip(*points, strict=True)
            self.trend.plot(
                list(xs),
                list(ys),
                pen=pg.mkPen(LINE, width=2),
                symbol="o",
                symbolSize=7,
                symbolBrush=LINE,
            )
            self.trend.setYRange(1, 5, padding=0.05)
        counts = distribution(rows)
        self.distribution_counts = counts
        self.distribution.clear()
        self.distribution.addItem(
            pg.BarGraphItem(x=list(range(1, 6)), height=counts, width=0.7, brush=BAR)
        )

    def set_flows(self, rows: Sequence[ReportRow], limit: int = 8) -> None:
        """A flow-grouped report: the most-repeated flows as horizontal bars, worst on top."""
        worst = sorted(rows, key=lambda r: (-r.repeated_share, r.key))[:limit]
        bars = [(clip(row.label, FLOW_LABEL), row.repeated_share * 100) for row in worst]
        self.repeat_bars = bars
        self.repeat.clear()
        if not bars:
            self.repeat.getAxis("left").setTicks([[]])
            return
        count = len(bars)
        ys = [count - 1 - n for n in range(count)]  # the worst at the top
        self.repeat.addItem(
            pg.BarGraphItem(
                x0=[0] * count, y=ys, width=[b[1] for b in bars], height=0.6, brush=REPEAT
            )
        )
        self.repeat.getAxis("left").setTicks([[(y, b[0]) for y, b in zip(ys, bars, strict=True)]])
        self.repeat.setYRange(-0.5, count - 0.5, padding=0)
        self.repeat.setXRange(0, 100, padding=0.02)
