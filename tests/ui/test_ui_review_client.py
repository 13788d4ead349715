"""Review mode's client calls on a mock hub: parameters, answers, errors, CSV export to a file;
and the wiring that runs them on the network worker's thread (a stub worker here)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cxsidebar.client import (
    HubAuthError,
    HubClient,
    HubError,
    HubTransportError,
    NetworkWorkerError,
    ReportsClient,
    filter_params,
)
from cxsidebar.core import (
    GroupBy,
    QualityReport,
    RatedContext,
    RatingPage,
    ReasonKind,
    ReportFilters,
)
from cxsidebar.review_wiring import ReviewLink, describe
from cxsidebar.ui.review import ReviewView

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
EMPTY_REPORT = {"group_by": "flow", "filters": {}, "rows": [], "generated_at": NOW.isoformat()}
FORBIDDEN = {"error": {"code": "forbidden", "message": "supervisors only", "details": []}}


def _run(handler: Callable[[httpx.Request], httpx.Response], job: Callable[[ReportsClient], Any]):
    async def main() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            hub = HubClient("http://hub.test", "sup-token", http=http)
            return await job(ReportsClient(hub))

    return asyncio.run(main())


def test_report_sends_filters_and_grouping_with_the_token():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMPTY_REPORT)

    filters = ReportFilters(
        since=NOW, queue=["billing", "voice"], reason=[ReasonKind.KEYWORD], summariser=["none"]
    )
    answer = _run(handler, lambda c: c.report(filters, GroupBy.FLOW))
    assert isinstance(answer, QualityReport)
    request = seen[0]
    assert request.url.path == "/v1/reports/context-quality"
    assert request.url.params.multi_items() == [
        ("since", "2026-11-26T10:00:00+00:00"),
        ("queue", "billing"),
        ("queue", "voice"),
        ("reason", "keyword"),
        ("summariser", "none"),
        ("group_by", "flow"),
    ]
    assert request.headers["authorization"] == "Bearer sup-token"


def test_ratings_pages_with_cursor_and_limit():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "next_cursor": None})

    page = _run(handler, lambda c: c.ratings(ReportFilters(agent=["Sam"]), cursor="abc", limit=50))
    assert isinstance(page, RatingPage)
    assert seen[0].url.params.multi_items() == [
        ("agent", "Sam"),
        ("limit", "50"),
        ("cursor", "abc"),
    ]
    with pytest.raises(ValueError, match="limit"):
        _run(handler, lambda c: c.ratings(ReportFilters(), limit=501))


def test_an_agent_token_gets_an_auth_error_and_a_bad_answer_a_hub_error():
    rid = uuid.uuid4()

    def forbidden(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/ratings/{rid}/context"
        return httpx.Response(403, json=FORBIDDEN)

    with pytest.raises(HubAuthError) as caught:
        _run(forbidden, lambda c: c.rated_context(rid))
    assert "supervisor or admin" in describe(caught.value)

    with pytest.raises(HubError, match="unexpected answer"):
        _run(
            lambda _r: httpx.Response(200, json={"rows": 1}),
            lambda c: c.report(ReportFilters(), GroupBy.DAY),
        )

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(HubTransportError) as lost:
        _run(down, lambda c: c.report(ReportFilters(), GroupBy.DAY))
    assert describe(lost.value) == "hub unreachable: connection refused"


def test_export_streams_the_hubs_csv_into_the_file(tmp_path: Path):
    body = "id,comment\n1,'=HYPERLINK(1)\n" * 5000
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=body, headers={"content-type": "text/csv; charset=utf-8"})

    target = tmp_path / "ratings.csv"
    size = _run(handler, lambda c: c.export_csv(ReportFilters(queue=["billing"]), target))
    assert target.read_text() == body
    assert size == len(body.encode())
    assert seen[0].url.params.multi_items() == [("queue", "billing"), ("format", "csv")]
    assert [p.name for p in tmp_path.iterdir()] == ["ratings.csv"]  # no partial file left


def test_a_failed_export_leaves_no_file(tmp_path: Path):
    target = tmp_path / "ratings.csv"
    with pytest.raises(HubAuthError):
        _run(
            lambda _r: httpx.Response(403, json=FORBIDDEN),
            lambda c: c.export_csv(ReportFilters(), target),
        )
    assert list(tmp_path.iterdir()) == []


def test_filter_params_leave_out_empty_filters():
    assert filter_params(ReportFilters()) == []


class ThreadWorker:
    """Runs each job on its own loop in a background thread, as the NetworkWorker's loop would."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.threads: list[threading.Thread] = []

    def call(self, job: Callable[[HubClient], Coroutine[Any, Any, Any]]) -> Future[Any]:
        future: Future[Any] = Future()

        async def main() -> Any:
            async with httpx.AsyncClient(transport=httpx.MockTransport(self.handler)) as http:
                return await job(HubClient("http://hub.test", "t", http=http))

        def run() -> None:
            try:
                future.set_result(asyncio.run(main()))
            except Exception as exc:
                future.set_exception(exc)

        thread = threading.Thread(target=run)
        self.threads.append(thread)
        thread.start()
        return future


def test_the_link_answers_the_view_on_the_gui_thread(qtbot, tmp_path: Path):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/reports/context-quality":
            return httpx.Response(
                200, json=EMPTY_REPORT | {"group_by": request.url.params["group_by"]}
            )
        if request.url.params.get("format") == "csv":
            return httpx.Response(200, text="id\n")
        if request.url.path == "/v1/ratings":
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return httpx.Response(403, json=FORBIDDEN)

    worker = ThreadWorker(handler)
    target = tmp_path / "x.csv"
    view = ReviewView(save_path=lambda _p, _n: str(target))
    qtbot.addWidget(view)
    link = ReviewLink(lambda: worker)  # type: ignore[arg-type, return-value]
    link.attach(view)
    view.ask()
    qtbot.waitUntil(lambda: view.status_label.text() == "No ratings match these filters.")
    view.export()
    qtbot.waitUntil(lambda: "Exported 3 bytes" in view.status_label.text())
    assert target.read_text() == "id\n"
    view._rated_id = rid = uuid.uuid4()
    with qtbot.waitSignal(link.rated_error) as failed:
        link.rated_context(rid)
    assert "supervisor or admin" in failed.args[1]
    qtbot.waitUntil(lambda: "supervisor or admin" in view.detail.message.text())
    for thread in worker.threads:
        thread.join(5)


def test_the_link_reports_a_worker_that_is_not_running(qtbot):
    link = ReviewLink(lambda: None)
    with qtbot.waitSignal(link.report_error) as failed:
        link.report(7, ReportFilters(), GroupBy.DAY)
    assert failed.args == [7, "not connected to the hub yet"]
    assert isinstance(NetworkWorkerError("x"), RuntimeError)
    assert RatedContext  # the drill-down's answer model is public in core
