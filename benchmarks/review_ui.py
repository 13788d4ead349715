"""Review mode in the real window (offscreen unless a display is set).

1. first open: the Review toggle until the view is built and painted, which is
   when pyqtgraph and numpy load (start-up never pays for them);
2. answers: a flow report of `--groups` rows, a day report of 30 days and a page
   of `--ratings` ratings shown (tables, worst flows, the three charts) and painted.

Figures only; no goals were set in issue 6 beyond "import lazily".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any


def _row(key: str, n: int) -> Any:
    from cxsidebar.core import PartMeans, Problem, ProblemCount, Repeated, ReportRow

    return ReportRow(
        key=key,
        label=key,
        ratings=10 + n % 50,
        mean_overall=1 + (n * 37 % 400) / 100,
        distribution=[n % 3, n % 5, n % 7, 3, 4],
        parts=PartMeans(transcript=4.0, summary=3.0),
        repeated_share=(n * 13 % 100) / 100,
        repeated=dict.fromkeys(Repeated, 1),
        top_problems=[ProblemCount(problem=Problem.MISSING, count=2)],
        median_first_action_ms=9000.0,
        with_outcome=5,
        fcr_share=0.6,
    )


def _item(n: int, now: datetime) -> Any:
    from cxsidebar.core import Rating, RatingListItem

    return RatingListItem(
        rating=Rating(
            id=uuid.uuid4(),
            escalation_id=f"esc-{n}",
            created_at=now - timedelta(minutes=n),
            overall=1 + n % 5,
            comment=f"comment {n}",
        ),
        agent=f"Agent {n % 7}",
        queue="billing",
        channel="chat",
        flow=f"flow-{n % 40}",
        reasons=[],
        summariser="llm",
        received_at=now,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks review_ui")
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--ratings", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from cxsidebar.core import GroupBy, QualityReport, RatingPage, ReportFilters
    from cxsidebar.ui import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    app.processEvents()
    loaded_before = "pyqtgraph" in sys.modules
    window.set_review_available(True)
    started = time.perf_counter()
    window.show_review(True)
    view: Any = window.review_view
    view.repaint()
    app.processEvents()
    first_open = (time.perf_counter() - started) * 1000
    from cxsidebar.ui.review import ReviewView  # loaded by the toggle by now

    assert isinstance(view, ReviewView)

    now = datetime.now(UTC)
    flows = [_row(f"flow-{n}", n) for n in range(args.groups)]
    days = [_row((now - timedelta(days=d)).strftime("%Y-%m-%d"), d) for d in range(30, 0, -1)]
    page = RatingPage(items=[_item(n, now) for n in range(args.ratings)])
    timings = []
    reports: list[tuple[int, GroupBy]] = []
    pages: list[int] = []
    view.report_requested.connect(lambda t, _f, g: reports.append((t, g)))
    view.ratings_requested.connect(lambda t, _f, _c: pages.append(t))
    for _ in range(args.rounds):
        reports.clear()
        pages.clear()
        view.filter_bar.group_by.setCurrentIndex(view.filter_bar.group_by.findData("flow"))
        view.filter_bar.apply()
        started = time.perf_counter()
        for ticket, group_by in reports:
            rows = flows if group_by is GroupBy.FLOW else days
            view.show_report(
                ticket,
                QualityReport(
                    group_by=group_by, filters=ReportFilters(), rows=rows, generated_at=now
                ),
            )
        view.show_ratings(pages[0], page)
        view.repaint()
        app.processEvents()
        timings.append((time.perf_counter() - started) * 1000)
    window.close()
    print(f"pyqtgraph loaded before Review opened: {loaded_before}")
    print(f"first Review open (pyqtgraph + numpy import, build, paint): {first_open:.0f} ms")
    print(
        f"answers shown ({args.groups} flow groups, 30 days, {args.ratings} ratings, charts):"
        f" median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms"
        f" over {args.rounds} rounds"
    )
    return 1 if loaded_before else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
