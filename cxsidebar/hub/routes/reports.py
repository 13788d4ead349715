"""Supervisors' reports: context quality by group, the ratings behind it (JSON or CSV),
and the exact context a rating judged. Supervisor and admin tokens only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import AwareDatetime

from cxsidebar.core import (
    ErrorDetail,
    GroupBy,
    QualityReport,
    RatedContext,
    RatingPage,
    ReasonKind,
    ReportFilters,
)
from cxsidebar.hub.auth import StorageDep, require, visible_queues
from cxsidebar.hub.errors import HubError, error_responses
from cxsidebar.hub.rating_csv import csv_lines
from cxsidebar.hub.sql_rating_list import Cursor, CursorError
from cxsidebar.hub.storage import HubStorage, Role, TokenInfo

router = APIRouter(tags=["reports"])

Supervisor = Annotated[TokenInfo, Depends(require(Role.SUPERVISOR))]
Values = Annotated[list[str] | None, Query()]
CSV_PAGE = 1000  # ratings read per query while a CSV export streams


def report_filters(
    since: Annotated[AwareDatetime | None, Query(description="rating created_at >= since")] = None,
    until: Annotated[AwareDatetime | None, Query(description="rating created_at < until")] = None,
    queue: Values = None,
    flow: Values = None,
    reason: Annotated[list[ReasonKind] | None, Query()] = None,
    agent: Values = None,
    channel: Values = None,
    summariser: Values = None,
) -> ReportFilters:
    """The filters of both list endpoints; repeat a parameter for several values."""
    since, until = _utc("since", since), _utc("until", until)
    if since is not None and until is not None and until <= since:
        raise _invalid("until", "until must be after since")
    return ReportFilters(
        since=since,
        until=until,
        queue=queue or [],
        flow=flow or [],
        reason=reason or [],
        agent=agent or [],
        channel=channel or [],
        summariser=summariser or [],
    )


Filters = Annotated[ReportFilters, Depends(report_filters)]


def _invalid(field: str, message: str) -> HubError:
    details = [ErrorDetail(field=field, message=message)]
    return HubError(422, "the request does not match the v1 schema", details=details)


def _utc(field: str, moment: datetime | None) -> datetime | None:
    try:
        return None if moment is None else moment.astimezone(UTC)
    except OverflowError:
        raise _invalid(field, "the time is out of range") from None


@router.get(
    "/v1/reports/context-quality",
    summary="Context quality by group, for supervisors",
    responses=error_responses(401, 403, 422),
)
def context_quality(
    who: Supervisor,
    storage: StorageDep,
    filters: Filters,
    group_by: GroupBy = GroupBy.DAY,
) -> QualityReport:
    """Only current ratings count (an edit replaces the rating it supersedes)."""
    queues = visible_queues(who, filters.queue)
    return QualityReport(
        group_by=group_by,
        filters=filters,
        rows=storage.context_report(group_by, filters, queues),
        generated_at=datetime.now(UTC),
        median_estimated=storage.median_estimated(group_by, filters),
    )


@router.get(
    "/v1/ratings",
    summary="The ratings behind the reports, newest first (JSON pages or a CSV export)",
    response_model=RatingPage,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 422),
    },
)
def list_ratings(
    who: Supervisor,
    storage: StorageDep,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    include_superseded: bool = False,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    queues = visible_queues(who, filters.queue)
    if output == "csv":
        return StreamingResponse(
            _csv(storage, filters, queues, include_superseded),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="ratings.csv"'},
        )
    start = None
    if cursor is not None:
        try:
            start = Cursor.decode(cursor)
        except CursorError as error:
            raise _invalid("cursor", str(error)) from None
    page = storage.rating_page(
        filters, queues, cursor=start, limit=limit, include_superseded=include_superseded
    )
    return JSONResponse(page.model_dump(mode="json"))


def _csv(
    storage: HubStorage,
    filters: ReportFilters,
    queues: frozenset[str] | None,
    include_superseded: bool,
) -> Iterator[str]:
    def pages() -> Iterator[RatingPage]:
        start: Cursor | None = None
        while True:
            page = storage.rating_page(
                filters, queues, cursor=start, limit=CSV_PAGE, include_superseded=include_superseded
            )
            yield page
            if page.next_cursor is None:
                return
            start = Cursor.decode(page.next_cursor)

    return csv_lines(item for page in pages() for item in page.items)


@router.get(
    "/v1/ratings/{rating_id}/context",
    summary="The exact context a rating judged, with the summary version rated",
    responses=error_responses(401, 403, 404, 422),
)
def rating_context(rating_id: uuid.UUID, who: Supervisor, storage: StorageDep) -> RatedContext:
    queues = visible_queues(who, ())
    answer = storage.rated_context(rating_id, queues)
    if answer is None:
        raise HubError(404, f"no rating has the id {rating_id}")
    return answer
