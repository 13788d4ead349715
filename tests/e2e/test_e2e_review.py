"""Review mode on real parts: a supervisor's sidebar against a hub with escalations and ratings.

Agents rate through the hub's API (with the context version they were served); the
supervisor's sidebar shows Review, loads the groups, the charts and the ratings,
drills into the exact context one rating judged, and exports the hub's CSV.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from support.hub import escalation_body

from cxsidebar.core import ConnectionState, Rating
from cxsidebar.ui.review_models import RowRole

WAIT = 15_000  # ms; generous for a loaded CI machine, never reached when things work
TIMEOUT = 10.0


def _supervisor_token(db_url: str) -> str:
    """The hub CLI's `tokens create`, the way an operator makes one."""
    argv = [sys.executable, "-m", "cxsidebar.hub", "tokens", "create", "--role", "supervisor"]
    argv += ["--name", "Sue Supervisor", "--db", db_url]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip().splitlines()[-1]


def _rate(hub, escalation_id: str, overall: int, *, repeated: bool, comment: str = "") -> Rating:
    """An agent opens the escalation (the hub serves its context version) and rates it."""
    served = httpx.get(
        f"{hub.url}/v1/escalations/{escalation_id}", headers=hub.auth(), timeout=TIMEOUT
    )
    assert served.status_code == 200, served.text
    rating = Rating(
        escalation_id=escalation_id,
        created_at=datetime.now(UTC) - timedelta(minutes=1),
        overall=overall,
        customer_repeated=repeated,
        comment=comment,
        context_version=served.json().get("context_version"),
    )
    answer = httpx.post(
        f"{hub.url}/v1/ratings",
        content=f'{{"ratings": [{rating.model_dump_json()}]}}',
        headers=hub.auth()
        | {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "created", answer.text
    return rating


def test_a_supervisor_reviews_groups_charts_ratings_drill_down_and_export(
    qtbot, hub, sidebar_factory, tmp_path: Path
):
    flows = {"esc-r1": "refund", "esc-r2": "refund", "esc-r3": "address-change"}
    for escalation_id, flow in flows.items():
        body = escalation_body(escalation_id, bot={"platform": "test-bot", "flow": flow})
        assert hub.post(body).status_code == 202
    ratings = [
        _rate(hub, "esc-r1", 2, repeated=True, comment="<b>not bold</b>"),
        _rate(hub, "esc-r2", 3, repeated=True, comment="=SUM(A1)"),
        _rate(hub, "esc-r3", 5, repeated=False),
    ]

    sidebar = sidebar_factory(hub, token=_supervisor_token(hub.db_url), name="supervisor")
    window = sidebar.window
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)
    qtbot.waitUntil(lambda: window.review_button.isVisibleTo(window), timeout=WAIT)

    with qtbot.waitSignal(window.review_opened, timeout=WAIT):
        window.review_button.click()
    view = window.review_view
    view.filter_bar.period.setCurrentIndex(view.filter_bar.period.findText("All time"))
    view.filter_bar.group_by.setCurrentIndex(view.filter_bar.group_by.findData("flow"))
    view.filter_bar.min_ratings.setValue(1)
    view.filter_bar.apply_button.click()
    qtbot.waitUntil(lambda: view.ratings_model.rowCount() == 3, timeout=WAIT)
    qtbot.waitUntil(lambda: "groups" in view.status_label.text(), timeout=WAIT)

    groups = {view.group_model.row_object(r).key: view.group_model.row_object(r) for r in range(2)}
    assert groups["refund"].ratings == 2
    assert groups["refund"].repeated_share == 1.0
    assert groups["address-change"].mean_overall == 5.0
    assert view.worst_model.row_object(0).key == "refund"  # everyone had to repeat there
    assert sum(view.charts.distribution_counts) == 3
    assert len(view.charts.trend_points) == 1

    # Drill-down: the context the agent was served, transcript and all, as plain text.
    view.tabs.setCurrentIndex(2)
    row = next(
        r
        for r in range(3)
        if view.ratings_model.index(r, 0).data(RowRole).rating.id == ratings[0].id
    )
    view.ratings_view.setCurrentIndex(view.ratings_model.index(row, 0))
    view.open_button.click()
    qtbot.waitUntil(lambda: view.detail.shown is not None, timeout=WAIT)
    assert view.detail.shown.item.rating.id == ratings[0].id
    assert "<b>not bold</b>" in view.detail.verdict.toPlainText()
    assert ratings[0].context_version is not None  # the hub served one
    assert view.detail.shown.context_version == ratings[0].context_version
    assert view.detail.context.isVisibleTo(view.detail)
    assert view.detail.context.transcript_model.rowCount() == 2
    assert view.detail.context.escalation_id == "esc-r1"

    # Export: the hub's CSV, written by the worker into the chosen file.
    target = tmp_path / "review.csv"
    view._save_path = lambda _parent, _name: str(target)
    view.export_button.click()
    qtbot.waitUntil(lambda: "Exported" in view.status_label.text(), timeout=WAIT)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,created_at")
    assert len(lines) == 4
    assert "'=SUM(A1)" in target.read_text(encoding="utf-8")  # formula neutralised by the hub


def test_an_agent_never_sees_review(qtbot, hub, sidebar_factory):
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    qtbot.waitUntil(lambda: window.header.agent_label.text() != "", timeout=WAIT)
    assert not window.review_button.isVisibleTo(window)
    answer = httpx.get(f"{hub.url}/v1/reports/context-quality", headers=hub.auth(), timeout=TIMEOUT)
    assert answer.status_code == 403
