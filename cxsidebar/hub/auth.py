"""Bearer tokens for sidebars and admins: who is asking and what they may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cxsidebar.hub.errors import HubError
from cxsidebar.hub.storage import HubStorage, Role, TokenInfo

_bearer = HTTPBearer(
    auto_error=False, description="A token made with `cxsidebar-hub tokens create`."
)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_storage(request: Request) -> HubStorage:
    """Async, so FastAPI does not hop to a thread for an attribute read."""
    storage: HubStorage = request.app.state.storage
    return storage


StorageDep = Annotated[HubStorage, Depends(get_storage)]


def _principal(
    storage: StorageDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenInfo:
    if credentials is None:
        raise HubError(401, "send Authorization: Bearer <token>", headers=_CHALLENGE)
    info = storage.find_token(credentials.credentials)
    if info is None:
        raise HubError(401, "unknown token", headers=_CHALLENGE)
    return info


def require(role: Role) -> Callable[..., TokenInfo]:
    """A dependency: the caller's token, which must have at least `role`."""

    def check(info: Annotated[TokenInfo, Depends(_principal)]) -> TokenInfo:
        if not info.role.allows(role):
            raise HubError(
                403, f"this needs the {role.value} role; the token has {info.role.value}"
            )
        return info

    return check


Agent = Annotated[TokenInfo, Depends(require(Role.AGENT))]
Admin = Annotated[TokenInfo, Depends(require(Role.ADMIN))]


def visible_queues(info: TokenInfo, requested: Iterable[str]) -> frozenset[str] | None:
    """The queues a request may see: what it asked for, within the token's queues.

    None means every queue. Asking only for queues the token may not see is a 403.
    """
    asked = frozenset(q for q in requested if q)
    if not info.queues:
        return asked or None
    if not asked:
        return info.queues
    allowed = asked & info.queues
    if not allowed:
        raise HubError(403, "this token may not see the queues asked for")
    return allowed
