"""Review mode's calls: context-quality reports, the ratings list, drill-down and CSV export.

Supervisor and admin tokens only; an agent's token gets `HubAuthError` (403).
The calls ride on a `HubClient` (its HTTP client, token, timeouts and error
mapping), so on the sidebar they run on the network worker's loop through
`NetworkWorker.call(lambda hub: ReportsClient(hub).report(...))`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import httpx

from cxsidebar.core import GroupBy, QualityReport, RatedContext, RatingPage, ReportFilters

from ._errors import HubTransportError, describe_transport_error
from ._hub import HubClient, _error_of, _parse, _segment

MAX_PAGE = 500  # the hub's largest page


def filter_params(filters: ReportFilters) -> list[tuple[str, str]]:
    """The filters as the hub's query parameters; a list filter repeats its parameter."""
    params: list[tuple[str, str]] = []
    if filters.since is not None:
        params.append(("since", filters.since.isoformat()))
    if filters.until is not None:
        params.append(("until", filters.until.isoformat()))
    for name in ("queue", "flow", "reason", "agent", "channel", "summariser"):
        values: Sequence[str] = getattr(filters, name)
        params.extend((name, str(value)) for value in values)
    return params


class ReportsClient:
    """The three report endpoints on one HubClient (which the caller owns and closes)."""

    def __init__(self, hub: HubClient) -> None:
        self._hub = hub

    async def report(self, filters: ReportFilters, group_by: GroupBy) -> QualityReport:
        """`GET /v1/reports/context-quality`: one row per group, by key."""
        params = [*filter_params(filters), ("group_by", group_by.value)]
        response = await self._hub._request("GET", "/v1/reports/context-quality", params=params)
        return _parse(response, QualityReport)

    async def ratings(
        self, filters: ReportFilters, *, cursor: str | None = None, limit: int = 100
    ) -> RatingPage:
        """`GET /v1/ratings`: one page, newest first; pass `next_cursor` back for the next."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1..{MAX_PAGE}, got {limit}")
        params = [*filter_params(filters), ("limit", str(limit))]
        if cursor is not None:
            params.append(("cursor", cursor))
        response = await self._hub._request("GET", "/v1/ratings", params=params)
        return _parse(response, RatingPage)

    async def rated_context(self, rating_id: uuid.UUID) -> RatedContext:
        """`GET /v1/ratings/{id}/context`: the context exactly as the agent judged it."""
        path = f"/v1/ratings/{_segment(str(rating_id))}/context"
        response = await self._hub._request("GET", path)
        return _parse(response, RatedContext)

    async def export_csv(self, filters: ReportFilters, path: Path) -> int:
        """Stream every matching rating as the hub's CSV into `path`; the byte count.

        Written to a temporary file beside `path` (off the event loop) and moved
        into place only when complete, so a failed export leaves no half file.
        """
        hub = self._hub
        params = [*filter_params(filters), ("format", "csv")]
        headers = dict(hub._headers, Accept="text/csv")
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
        written = 0
        try:
            async with hub._http.stream(
                "GET",
                hub.base_url + "/v1/ratings",
                params=tuple(params),
                headers=headers,
                timeout=hub._timeout,
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise _error_of(response)
                out = await asyncio.to_thread(partial.open, "wb")
                try:
                    async for chunk in response.aiter_bytes():
                        await asyncio.to_thread(out.write, chunk)
                        written += len(chunk)
                finally:
                    await asyncio.to_thread(_close, out)
            await asyncio.to_thread(os.replace, partial, path)
        except httpx.TransportError as exc:
            raise HubTransportError(describe_transport_error(exc)) from exc
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
        return written


def _close(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())
    out.close()
