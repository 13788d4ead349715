"""`GET /healthz` (the process is up) and `GET /readyz` (and its database answers)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cxsidebar.hub.auth import StorageDep
from cxsidebar.hub.errors import ENVELOPE_REF, HubError
from cxsidebar.hub.schemas import Health

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="Liveness check")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    summary="Readiness check: the database answers",
    responses={
        503: {
            "description": "The database does not answer; the envelope's code is `unavailable`.",
            "content": {"application/json": {"schema": ENVELOPE_REF}},
        }
    },
)
async def readyz(storage: StorageDep) -> Health:
    """200 when a read of the event log succeeds, else a 503 envelope (code `unavailable`)."""
    try:
        await run_in_threadpool(storage.event_bounds)
    except Exception as error:
        log.warning("not ready: the database did not answer: %s", error)
        raise HubError(503, "the database is not reachable", code="unavailable") from None
    return Health()
