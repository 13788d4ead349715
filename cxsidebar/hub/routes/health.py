"""`GET /healthz`."""

from __future__ import annotations

from fastapi import APIRouter

from cxsidebar.hub.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness check")
async def healthz() -> Health:
    return Health()
