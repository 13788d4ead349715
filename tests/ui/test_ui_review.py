"""Review mode: models, filters → questions, routing of answers, worst flows, role gating,
charts offscreen, drill-down as plain text, and the export flow."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from cxsidebar.client import filter_params
from cxsidebar.core import (
    GroupBy,
    Identity,
    PartMeans,
    Problem,
    ProblemCount,
    QualityReport,
    RatedContext,
    Rating,
    RatingListItem,
    RatingPage,
    ReasonKind,
    Repeated,
    ReportFilters,
    ReportRow,
)
from cxsidebar.ui.review import ReviewView
from cxsidebar.ui.review_charts import ReviewCharts, day_of, distribution
from cxsidebar.ui.review_filters import FilterBar, ReviewFilters, period_range, split_values
from cxsidebar.ui.review_models import GroupModel, RatingsModel, RowRole, worst_flows

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def row(
    key: str, ratings: int = 10, mean: float = 3.5, repeat: float = 0.2, **kw: Any
) -> ReportRow:
    fields: dict[str, Any] = {
        "key": key,
        "label": kw.pop("label", key),
        "ratings": ratings,
        "mean_overall": mean,
        "distribution": [1, 1, 2, 3, max(0, ratings - 7)],
        "parts": PartMeans(transcript=4.0, summary=3.2),
        "repeated_share": repeat,
        "repeated": dict.fromkeys(Repeated, 0) | {Repeated.ACCOUNT_ID: 2},
        "top_problems": [ProblemCount(problem=Problem.MISSING, count=3)],
        "median_first_action_ms": 12_500.0,
        "with_outcome": 4,
        "fcr_share": 0.5,
    }
    fields.update(kw)
    return ReportRow(**fields)


def report(group_by: GroupBy, rows: list[ReportRow], **kw: Any) -> QualityReport:
    return QualityReport(
        group_by=group_by, filters=ReportFilters(), rows=rows, generated_at=NOW, **kw
    )


def item(n: int = 0, **kw: Any) -> RatingListItem:
    rating = Rating(
        escalation_id=kw.pop("escalation_id", f"esc-{n}"),
        created_at=NOW - timedelta(hours=n),
        overall=kw.pop("overall", 1 + n % 5),
        customer_repeated=n % 2 == 0,
        repeated=[Repeated.ORDER_NUMBER] if n % 2 == 0 else [],
        problems=[Problem.MISSING],
        comment=kw.pop("comment", f"comment {n}"),
        context_version="c" * 64,
        summary_version=2,
    )
    fields: dict[str, Any] = {
        "rating": rating,
        "agent": "Sam Agent",
        "queue": "billing",
        "channel": "chat",
        "flow": "billing/refund",
        "reasons": [ReasonKind.PAYMENT_THRESHOLD],
        "summariser": "llm",
        "received_at": NOW,
    }
    fields.update(kw)
    return RatingListItem(**fields)


# -- models -------------------------------------------------------------------------------


def test_group_model_passes_the_model_tester_and_sorts_numbers_as_numbers(qtmodeltester):
    model = GroupModel()
    model.set_report_rows([row("a", ratings=9), row("b", ratings=10), row("c", ratings=100)])
    qtmodeltester.check(model)
    selected = QPersistentModelIndex(model.index(0, 2))  # "a"
    model.sort(1, Qt.SortOrder.DescendingOrder)  # Ratings: 100 before 10 before 9
    assert [model.index(r, 0).data() for r in range(3)] == ["c", "b", "a"]
    assert selected.row() == 2  # persistent indexes (the selection) follow their rows
    assert selected.column() == 2
    model.set_report_rows([row("z", ratings=1), row("y", ratings=50)])  # keeps the order
    assert [model.index(r, 0).data() for r in range(2)] == ["y", "z"]
    qtmodeltester.check(model)
    assert model.index(0, 3).data() == "20 %"
    assert model.index(0, 4).data() == "missing (3)"
    assert model.index(0, 5).data() == "12.5 s"
    assert model.index(0, 0).data(RowRole).key == "y"


def test_ratings_model_appends_pages_and_passes_the_model_tester(qtmodeltester):
    model = RatingsModel()
    model.set_items([item(n) for n in range(3)])
    qtmodeltester.check(model)
    model.add_page([item(n) for n in range(3, 5)])
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    assert model.index(0, 2).data() == "Sam Agent"
    assert model.index(0, 8).data() == "order number"  # what had to be repeated
    assert model.index(1, 8).data() == "no"
    model.sort(1, Qt.SortOrder.AscendingOrder)  # overall
    model.add_page([item(n) for n in range(5, 8)])  # a page lands in the sort order
    overall = [model.index(r, 1).data() for r in range(8)]
    assert overall == sorted(overall)
    model.sort(12, Qt.SortOrder.AscendingOrder)  # the comment: text, case-blind
    assert model.index(0, 12).data() == "comment 0"
    model.sort(99)  # no such column: ignored
    qtmodeltester.check(model)


def test_worst_flows_rank_by_repeat_share_then_low_mean_with_a_minimum_count():
    rows = [
        row("ok", ratings=50, mean=4.5, repeat=0.05),
        row("bad", ratings=40, mean=2.0, repeat=0.6),
        row("worse-mean", ratings=30, mean=1.5, repeat=0.6),
        row("tiny", ratings=2, mean=1.0, repeat=1.0),  # under the minimum
    ]
    assert [r.key for r in worst_flows(rows, 5)] == ["worse-mean", "bad", "ok"]
    assert next(r.key for r in worst_flows(rows, 1)) == "tiny"
    assert worst_flows(rows, 1000) == []


# -- filters --------------------------------------------------------------------------------


def test_filter_bar_makes_the_hub_query_parameters(qtbot):
    bar = FilterBar(clock=lambda: NOW)
    qtbot.addWidget(bar)
    bar.period.setCurrentIndex(0)  # last 7 days
    bar.queue.setText("billing, payments")
    bar.flow.setText("billing/refund")
    bar.agent.setText("Sam Agent")
    bar.channel.setText("voice")
    bar.reason.setCurrentIndex(bar.reason.findData("keyword"))
    bar.summariser.setCurrentIndex(bar.summariser.findData("none"))
    bar.group_by.setCurrentIndex(bar.group_by.findData("flow"))
    bar.min_ratings.setValue(12)
    with qtbot.waitSignal(bar.apply_requested) as applied:
        qtbot.keyClick(bar.queue, Qt.Key.Key_Return)  # Enter in a field applies
    query: ReviewFilters = applied.args[0]
    assert query.group_by is GroupBy.FLOW
    assert query.min_ratings == 12
    assert filter_params(query.filters) == [
        ("since", "2026-11-20T00:00:00+00:00"),
        ("queue", "billing"),
        ("queue", "payments"),
        ("flow", "billing/refund"),
        ("reason", "keyword"),
        ("agent", "Sam Agent"),
        ("channel", "voice"),
        ("summariser", "none"),
    ]


def test_empty_filters_send_nothing_but_the_grouping(qtbot):
    bar = FilterBar(clock=lambda: NOW)
    qtbot.addWidget(bar)
    bar.period.setCurrentIndex(bar.period.findText("All time"))
    query = bar.filters()
    assert filter_params(query.filters) == []
    assert query.group_by is GroupBy.DAY


def test_custom_dates_include_the_last_day_and_are_only_editable_when_chosen(qtbot):
    bar = FilterBar(clock=lambda: NOW)
    qtbot.addWidget(bar)
    assert not bar.first_date.isEnabled()
    bar.period.setCurrentIndex(bar.period.findText("Custom dates"))
    assert bar.first_date.isEnabled()
    since, until = period_range(0, NOW, date(2026, 11, 1), date(2026, 11, 3))
    assert since == datetime(2026, 11, 1, tzinfo=UTC)
    assert until == datetime(2026, 11, 4, tzinfo=UTC)
    assert period_range(None, NOW) == (None, None)
    assert split_values(" a, ,b ") == ["a", "b"]
    with pytest.raises(ValueError, match="min_ratings"):
        ReviewFilters(min_ratings=0)


# -- the view: questions and answers ----------------------------------------------------------


@pytest.fixture
def view(qtbot) -> ReviewView:
    saved: list[str] = []
    widget = ReviewView(
        clock=lambda: NOW, save_path=lambda _parent, _name: saved[0] if saved else ""
    )
    widget.saved = saved  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    return widget


def _ask(qtbot, view: ReviewView, group_by: str = "queue") -> tuple[list, list]:
    reports: list[tuple[int, ReportFilters, GroupBy]] = []
    pages: list[tuple[int, ReportFilters, str | None]] = []
    view.report_requested.connect(lambda *a: reports.append(a))
    view.ratings_requested.connect(lambda *a: pages.append(a))
    view.filter_bar.group_by.setCurrentIndex(view.filter_bar.group_by.findData(group_by))
    view.filter_bar.apply_button.click()
    return reports, pages


def test_one_apply_asks_for_the_grouping_the_trend_and_the_flows_and_the_first_page(qtbot, view):
    reports, pages = _ask(qtbot, view, "queue")
    assert [r[2] for r in reports] == [GroupBy.QUEUE, GroupBy.DAY, GroupBy.FLOW]
    assert len({r[0] for r in reports}) == 3  # one ticket each
    assert len(pages) == 1
    assert pages[0][2] is None
    assert view.status_label.text() == "Loading…"

    view.show_report(reports[0][0], report(GroupBy.QUEUE, [row("billing"), row("voice")]))
    view.show_report(reports[1][0], report(GroupBy.DAY, [row("2026-11-25"), row("2026-11-26")]))
    view.show_report(
        reports[2][0], report(GroupBy.FLOW, [row("f1", repeat=0.1), row("f2", repeat=0.9)])
    )
    view.show_ratings(pages[0][0], RatingPage(items=[item(0), item(1)], next_cursor="next"))
    assert view.group_model.rowCount() == 2
    assert [view.worst_model.row_object(r).key for r in range(2)] == ["f2", "f1"]
    assert view.charts.distribution_counts == distribution([row("a"), row("b")])
    assert len(view.charts.trend_points) == 2
    assert view.status_label.text().startswith("2 groups · 2 ratings listed")
    assert view.more_button.isEnabled()

    with qtbot.waitSignal(view.ratings_requested) as more:
        view.more_button.click()
    assert more.args[2] == "next"
    view.show_ratings(more.args[0], RatingPage(items=[item(2)]))
    assert view.ratings_model.rowCount() == 3
    assert not view.more_button.isEnabled()


def test_an_estimated_median_is_marked_in_the_header(qtbot, view):
    median = GroupModel.MEDIAN
    header = view.group_model.headerData
    assert header(median, Qt.Orientation.Horizontal) == "Median first action"
    reports, _ = _ask(qtbot, view, "queue")
    with qtbot.waitSignal(view.group_model.headerDataChanged):
        view.show_report(
            reports[0][0], report(GroupBy.QUEUE, [row("billing")], median_estimated=True)
        )
    assert header(median, Qt.Orientation.Horizontal) == "≈ Median first action"
    assert "within 19 %" in header(median, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert view.group_model.index(0, median).data() == "12.5 s"

    reports, _ = _ask(qtbot, view, "queue")
    view.show_report(reports[0][0], report(GroupBy.QUEUE, [row("billing")]))
    assert header(median, Qt.Orientation.Horizontal) == "Median first action"
    assert header(median, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None


def test_a_day_grouping_is_asked_once_and_answers_to_old_questions_are_dropped(qtbot, view):
    reports, pages = _ask(qtbot, view, "day")
    assert [r[2] for r in reports] == [GroupBy.DAY, GroupBy.FLOW]
    old_day = reports[0][0]
    view.filter_bar.apply_button.click()  # a new question before the answers
    view.show_report(old_day, report(GroupBy.DAY, [row("2026-11-25")]))
    view.show_ratings(pages[0][0], RatingPage(items=[item(0)]))
    assert view.group_model.rowCount() == 0
    assert view.ratings_model.rowCount() == 0


def test_empty_and_error_states_are_visible(qtbot, view):
    reports, pages = _ask(qtbot, view, "flow")
    for ticket, _filters, group_by in reports:
        view.show_report(ticket, report(group_by, []))
    view.show_ratings(pages[0][0], RatingPage(items=[]))
    assert view.status_label.text() == "No ratings match these filters."
    assert "No bot flow has 5 ratings" in view.worst_label.text()

    reports, pages = _ask(qtbot, view, "flow")
    view.report_failed(reports[0][0], "Review needs a supervisor or admin token (403)")
    view.show_report(reports[1][0], report(GroupBy.DAY, []))
    view.ratings_failed(pages[0][0], "hub unreachable")
    assert view.status_label.text().startswith("Could not load: Review needs a supervisor")
    assert "c5221f" in view.status_label.styleSheet()


def test_the_tables_are_keyboard_operable_and_named(qtbot, view):
    for widget in (view.group_view, view.worst_view, view.ratings_view, view.tabs, view.detail):
        assert widget.accessibleName()
    assert not view.ratings_view.tabKeyNavigation()
    _reports, pages = _ask(qtbot, view)
    view.show_ratings(pages[0][0], RatingPage(items=[item(0)]))
    view.tabs.setCurrentIndex(2)
    view.show()
    view.ratings_view.setFocus()
    view.ratings_view.setCurrentIndex(view.ratings_model.index(0, 0))
    with qtbot.waitSignal(view.rated_context_requested) as asked:
        qtbot.keyClick(view.ratings_view, Qt.Key.Key_Return)
    assert asked.args[0] == view.ratings_model.row_object(0).rating.id
    assert view.detail.message.text().startswith("Loading")


# -- drill-down -------------------------------------------------------------------------------


def test_drill_down_shows_the_rated_context_as_plain_text(qtbot, view, samples):
    hostile = samples.HOSTILE[0]
    escalation = samples.escalation(name=hostile, note=samples.HOSTILE[1])
    context = samples.context(escalation, summary=samples.structured_summary())
    rated = item(0, agent=hostile, flow=samples.HOSTILE[2], comment=hostile + "\n" + samples.RLO)
    _reports, pages = _ask(qtbot, view)
    view.show_ratings(pages[0][0], RatingPage(items=[rated]))
    view.tabs.setCurrentIndex(2)
    with qtbot.waitSignal(view.rated_context_requested):
        view.ratings_view.setCurrentIndex(view.ratings_model.index(0, 0))
        view.open_button.click()
    answer = RatedContext(item=rated, context=context, context_version="c" * 64, summary_version=2)
    view.show_rated_context(answer)
    detail = view.detail
    assert detail.currentWidget() is detail.page
    assert hostile in detail.headline.text()  # shown literally, never as markup
    assert "summary version 2 (llm)" in detail.versions.text()
    assert isinstance(detail.verdict, QPlainTextEdit)
    assert detail.verdict.isReadOnly()
    assert hostile in detail.verdict.toPlainText()
    assert "\u202e" not in detail.verdict.toPlainText()  # bidi override made visible
    for label in detail.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName()
    assert detail.context.title_label.text() == hostile
    assert detail.context.transcript_model.rowCount() == 4
    assert not detail.context.claim_bar.isVisible()
    assert not detail.context.summary.regenerate_button.isVisible()

    other = RatedContext(item=item(9), context=None)
    view.show_rated_context(other)  # not the one asked for: dropped
    assert detail.shown is answer
    view.rated_context_failed(rated.rating.id, "<b>404</b>")
    assert detail.message.text().endswith("<b>404</b>")


def test_drill_down_says_when_the_hub_has_no_snapshot(qtbot, view):
    rated = item(1)
    _reports, pages = _ask(qtbot, view)
    view.show_ratings(pages[0][0], RatingPage(items=[rated]))
    view._open_index(view.ratings_model.index(0, 0))
    view.show_rated_context(RatedContext(item=rated, context=None))
    assert view.detail.missing.isVisibleTo(view.detail)
    assert not view.detail.context.isVisibleTo(view.detail)


# -- export -------------------------------------------------------------------------------------


def test_export_asks_where_then_reports_the_outcome(qtbot, view, tmp_path: Path):
    view.export()  # the dialog was cancelled: nothing asked
    target = str(tmp_path / "out.csv")
    view.saved.append(target)  # type: ignore[attr-defined]
    with qtbot.waitSignal(view.export_requested) as asked:
        view.export_button.click()
    assert asked.args[1] == target
    assert not view.export_button.isEnabled()
    view.export_finished(target, 2048)
    assert view.export_button.isEnabled()
    assert "Exported 2,048 bytes" in view.status_label.text()
    view.export_failed(target, "disk full")
    assert "failed: disk full" in view.status_label.text()


# -- charts ---------------------------------------------------------------------------------------


def _colours(image: QImage) -> int:
    step = 7
    seen = {
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }
    return len(seen)


def test_charts_render_offscreen(qtbot):
    charts = ReviewCharts()
    qtbot.addWidget(charts)
    charts.resize(900, 300)
    charts.show()
    qtbot.waitExposed(charts)
    blank = _colours(charts.trend.grab().toImage())
    days = [row(f"2026-11-{d:02d}", mean=2 + d % 3) for d in range(20, 27)]
    charts.set_days(days)
    charts.set_flows([row("billing/refund", repeat=0.7), row("<b>x</b>", repeat=0.2)])
    for plot in (charts.trend, charts.distribution, charts.repeat):
        image = plot.grab().toImage()
        assert not image.isNull()
        assert _colours(image) > 3, plot.accessibleName()
    assert _colours(charts.trend.grab().toImage()) > blank
    assert charts.repeat_bars[0] == ("billing/refund", 70.0)
    assert day_of("2026-11-26") == NOW.replace(hour=0).timestamp()
    assert day_of("billing") is None


# -- role gating and start-up ----------------------------------------------------------------------


def test_only_supervisors_and_admins_see_review(qtbot, window):
    window.show()
    assert not window.review_button.isVisibleTo(window)
    window.set_review_available(True)
    assert window.review_button.isVisibleTo(window)
    assert window.review_view is None  # nothing built until opened
    with qtbot.waitSignal(window.review_opened) as opened:
        window.review_button.click()
    assert window.mode_stack.currentWidget() is opened.args[0] is window.review_view
    window.review_button.click()
    assert window.mode_stack.currentWidget() is window.main_splitter
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts need the active window
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL_SHIFT)
    qtbot.waitUntil(lambda: window.mode_stack.currentWidget() is window.review_view)
    window.review_button.click()
    window.set_review_available(True)
    window.show_review(True)
    window.set_review_available(False)  # a token change took the role away
    assert not window.review_button.isVisibleTo(window)
    assert window.mode_stack.currentWidget() is window.main_splitter
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL_SHIFT)  # the shortcut is gone with the button
    assert window.mode_stack.currentWidget() is window.main_splitter


@pytest.mark.parametrize(
    ("role", "shown"), [("agent", False), ("supervisor", True), ("admin", True)]
)
def test_the_sidebar_shows_review_by_the_token_role(qtbot, window, tmp_path, role, shown):
    from cxsidebar.app import Sidebar
    from cxsidebar.settings import Settings

    settings = Settings(hub_url="http://127.0.0.1:9", token="t", db_path=tmp_path / "x.sqlite3")
    sidebar = Sidebar(settings, window=window)
    window.show()
    sidebar._on_identity(Identity(name="Sue", role=role))
    assert window.review_button.isVisibleTo(window) is shown


def test_start_up_does_not_load_pyqtgraph():
    code = (
        "import sys, cxsidebar.app, cxsidebar.ui.main_window;"
        "print(any(m.split('.')[0] in ('pyqtgraph', 'numpy') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


def test_rating_ids_route_the_drill_down(view):
    view._rated_id = uuid.uuid4()
    view.rated_context_failed(uuid.uuid4(), "other")
    assert view.detail.currentWidget() is view.detail.message
    assert "Open a rating" in view.detail.message.text()
