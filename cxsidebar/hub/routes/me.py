"""`GET /v1/me`: who the caller's token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from cxsidebar.core import Identity
from cxsidebar.hub.auth import Agent
from cxsidebar.hub.errors import error_responses

router = APIRouter(tags=["identity"])


@router.get(
    "/v1/me",
    summary="The caller's name, role and queues",
    responses=error_responses(401),
)
async def me(info: Agent) -> Identity:
    """Sidebars call this once per connection to learn the agent name the hub puts on claims."""
    return Identity(name=info.name, role=info.role.value, queues=sorted(info.queues))
