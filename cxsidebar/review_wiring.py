"""Review mode's wiring: the view's requests run on the network worker, answers come back as
queued Qt signals. Imported by the app only when a supervisor opens Review."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import CancelledError, Future
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from cxsidebar.client import (
    HubAuthError,
    HubClient,
    HubError,
    HubTransportError,
    NetworkWorker,
    NetworkWorkerError,
    ReportsClient,
)
from cxsidebar.core import GroupBy, ReportFilters
from cxsidebar.ui.review import ReviewView

Job = Callable[[HubClient], Coroutine[Any, Any, Any]]


def describe(exc: BaseException) -> str:
    """A failure as Review mode's status line says it."""
    if isinstance(exc, HubAuthError):
        if exc.status == 403:
            return "Review needs a supervisor or admin token (the hub answered 403)"
        return f"signed out: the hub refused the token ({exc})"
    if isinstance(exc, HubTransportError):
        return f"hub unreachable: {exc.message}"
    if isinstance(exc, HubError):
        return f"hub answered {exc}"
    if isinstance(exc, OSError):
        return f"cannot write the file: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


class ReviewLink(QObject):
    """Runs one ReviewView's requests on the worker; its signals are emitted on the worker
    thread and delivered (queued) to the view on the GUI thread."""

    report_done = Signal(int, object)
    report_error = Signal(int, str)
    ratings_done = Signal(int, object)
    ratings_error = Signal(int, str)
    rated_done = Signal(object)
    rated_error = Signal(object, str)
    export_done = Signal(str, int)
    export_error = Signal(str, str)

    def __init__(
        self,
        worker: Callable[[], NetworkWorker | None],
        parent: QObject | None = None,
        *,
        page_size: int = 100,
    ) -> None:
        """`worker()`: the sidebar's running worker (None while it starts)."""
        super().__init__(parent)
        self._worker = worker
        self._page_size = page_size

    def attach(self, view: ReviewView) -> None:
        view.report_requested.connect(self.report)
        view.ratings_requested.connect(self.ratings)
        view.rated_context_requested.connect(self.rated_context)
        view.export_requested.connect(self.export)
        self.report_done.connect(view.show_report)
        self.report_error.connect(view.report_failed)
        self.ratings_done.connect(view.show_ratings)
        self.ratings_error.connect(view.ratings_failed)
        self.rated_done.connect(view.show_rated_context)
        self.rated_error.connect(view.rated_context_failed)
        self.export_done.connect(view.export_finished)
        self.export_error.connect(view.export_failed)

    def report(self, ticket: int, filters: ReportFilters, group_by: GroupBy) -> None:
        async def job(hub: HubClient) -> Any:
            return await ReportsClient(hub).report(filters, group_by)

        self._run(job, self.report_done, self.report_error, ticket)

    def ratings(self, ticket: int, filters: ReportFilters, cursor: str | None) -> None:
        size = self._page_size

        async def job(hub: HubClient) -> Any:
            return await ReportsClient(hub).ratings(filters, cursor=cursor, limit=size)

        self._run(job, self.ratings_done, self.ratings_error, ticket)

    def rated_context(self, rating_id: uuid.UUID) -> None:
        async def job(hub: HubClient) -> Any:
            return await ReportsClient(hub).rated_context(rating_id)

        self._run(job, self.rated_done, self.rated_error, rating_id, result_only=True)

    def export(self, filters: ReportFilters, path: str) -> None:
        async def job(hub: HubClient) -> Any:
            return await ReportsClient(hub).export_csv(filters, Path(path))

        self._run(job, self.export_done, self.export_error, path)

    def _run(
        self,
        job: Job,
        done: SignalInstance,
        failed: SignalInstance,
        key: Any,
        *,
        result_only: bool = False,
    ) -> None:
        worker = self._worker()
        try:
            if worker is None:
                raise NetworkWorkerError("not connected to the hub yet")
            future = worker.call(job)
        except NetworkWorkerError as exc:
            failed.emit(key, str(exc))
            return
        future.add_done_callback(partial(_answer, done, failed, key, result_only))


def open_review(
    view: ReviewView, worker: Callable[[], NetworkWorker | None], parent: QObject
) -> ReviewLink:
    """Wire a freshly opened Review view to the worker and ask its first question."""
    link = ReviewLink(worker, parent)
    link.attach(view)
    view.ask()
    return link


def _answer(
    done: SignalInstance, failed: SignalInstance, key: Any, result_only: bool, future: Future[Any]
) -> None:
    """On the worker thread: hand the answer to the GUI thread (a queued emit)."""
    try:
        result = future.result()
    except CancelledError:
        return  # the sidebar is stopping
    except Exception as exc:
        failed.emit(key, describe(exc))
        return
    if result_only:
        done.emit(result)
    else:
        done.emit(key, result)
