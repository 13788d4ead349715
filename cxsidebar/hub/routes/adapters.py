"""Escalations in the bot platforms' own handoff formats (see docs/adapters.md).

Same path as `POST /v1/escalations` (signature, body cap, idempotency,
error envelope); only the parsing differs: the platform's adapter maps the
payload to a `core.Escalation`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from cxsidebar.core import EscalationAccepted
from cxsidebar.hub.adapters import ADAPTERS, adapt
from cxsidebar.hub.auth import StorageDep
from cxsidebar.hub.errors import HubError, error_responses
from cxsidebar.hub.intake import accept_signed
from cxsidebar.hub.routes.escalations import ESCALATION_BODY
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.summary_jobs import summarise_later

router = APIRouter(prefix="/v1/adapters", tags=["adapters"])

ADAPTER_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The platform's handoff payload, as docs/adapters.md describes it.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    "parameters": ESCALATION_BODY["parameters"],
}


@router.post(
    "/{platform}/escalations",
    status_code=202,
    summary="Escalate in a bot platform's own format (bots, signed)",
    description="`platform` is one of: " + ", ".join(f"`{name}`" for name in ADAPTERS) + ".",
    openapi_extra=ADAPTER_BODY,
    responses=error_responses(401, 404, 409, 413, 422, 429),
)
async def post_platform_escalation(
    platform: str, request: Request, storage: StorageDep
) -> EscalationAccepted:
    adapter = ADAPTERS.get(platform)
    if adapter is None:
        known = ", ".join(ADAPTERS)
        raise HubError(404, f"no adapter for the platform {platform!r}; known: {known}")
    settings: HubSettings = request.app.state.settings
    body = await request.body()  # capped by BodyLimitMiddleware before any parsing
    parse = partial(adapt, adapter, config=settings.adapters)
    accepted = await run_in_threadpool(
        accept_signed,
        storage,
        settings,
        body,
        request.headers,
        parse,
        limiter=request.app.state.intake_limiter,
    )
    summarise_later(request.app, accepted.id)
    return accepted
