"""HubClient: the sidebar's side of the v1 HTTP protocol (no retries; callers decide)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from httpx_sse import EventSource, aconnect_sse
from pydantic import BaseModel, ValidationError

from cxsidebar.core import (
    ClaimInfo,
    ErrorEnvelope,
    EscalationContext,
    Identity,
    QueueItem,
    Rating,
    RatingBatch,
    RatingBatchResult,
)

from ._backoff import parse_retry_after
from ._errors import (
    ClaimConflict,
    HubAuthError,
    HubError,
    HubTransportError,
    describe_transport_error,
)

# Explicit, short timeouts for request/response calls (the event stream sets its own read timeout).
REQUEST_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "cxsidebar/0.1"

M = TypeVar("M", bound=BaseModel)


class _Items(BaseModel):
    items: list[QueueItem]


class HubClient:
    """Calls the hub with a bearer token. Errors: see `cxsidebar.client._errors`.

    `http` lets tests pass a client on an `httpx.MockTransport`; the caller who
    passes it also closes it. Without it, the HubClient makes and closes its own.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout = REQUEST_TIMEOUT,
        verify: ssl.SSLContext | bool = True,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        """`verify`, `proxy`, `trust_env`: as httpx's, for the client made here (not `http`)."""
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self._owns_http = http is None
        self._http = (
            http
            if http is not None
            else httpx.AsyncClient(
                timeout=timeout, verify=verify, proxy=proxy or None, trust_env=trust_env
            )
        )

    def set_token(self, token: str) -> None:
        """Use another bearer token from the next request on (signing in again)."""
        self._headers["Authorization"] = f"Bearer {token}"

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- requests -------------------------------------------------------------------------

    async def me(self) -> Identity:
        """Who the token belongs to: the name the hub puts on this agent's claims."""
        response = await self._request("GET", "/v1/me")
        return _parse(response, Identity)

    async def list_open(self, queues: Sequence[str] = ()) -> list[QueueItem]:
        """The open (unclaimed) escalations, oldest first."""
        params = [("status", "open"), *(("queue", q) for q in queues)]
        response = await self._request("GET", "/v1/escalations", params=params)
        return _parse(response, _Items).items

    async def get_context(self, escalation_id: str) -> EscalationContext:
        response = await self._request("GET", f"/v1/escalations/{_segment(escalation_id)}")
        return _parse(response, EscalationContext)

    async def claim(self, escalation_id: str) -> ClaimInfo:
        """Claim for the token's agent; ClaimConflict if another agent holds it."""
        path = f"/v1/escalations/{_segment(escalation_id)}/claim"
        response = await self._request("POST", path, claiming=True)
        return _parse(response, ClaimInfo)

    async def regenerate_summary(self, escalation_id: str) -> None:
        """Ask the hub for a new summary version; it arrives as `escalation.updated`."""
        path = f"/v1/escalations/{_segment(escalation_id)}/summary"
        await self._request("POST", path)

    async def post_ratings(
        self, ratings: Sequence[Rating], idempotency_key: str
    ) -> RatingBatchResult:
        """Send a batch; the answer has one result per rating, in order."""
        batch = RatingBatch(ratings=list(ratings))
        response = await self._request(
            "POST",
            "/v1/ratings",
            content=batch.model_dump_json().encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
        )
        return _parse(response, RatingBatchResult)

    @asynccontextmanager
    async def open_events(
        self,
        *,
        queues: Sequence[str] = (),
        last_event_id: int | None = None,
        read_timeout: float = 45.0,
    ) -> AsyncIterator[EventSource]:
        """Open `GET /v1/events`; the read timeout is the dead-link watchdog.

        Raises HubAuthError/HubError for an error answer; any transport failure,
        while opening or while reading the stream inside the block, becomes
        HubTransportError.
        """
        headers = dict(self._headers, Accept="text/event-stream")
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        timeout = httpx.Timeout(
            connect=self._timeout.connect,
            read=read_timeout,
            write=self._timeout.write,
            pool=self._timeout.pool,
        )
        try:
            async with aconnect_sse(
                self._http,
                "GET",
                self.base_url + "/v1/events",
                params=[("queue", q) for q in queues],
                headers=headers,
                timeout=timeout,
            ) as source:
                response = source.response
                if response.status_code != 200:
                    await response.aread()
                    raise _error_of(response)
                kind = response.headers.get("content-type", "").partition(";")[0].strip()
                if kind != "text/event-stream":
                    raise HubError(
                        response.status_code, None, f"not an event stream (content type {kind!r})"
                    )
                yield source
        except httpx.TransportError as exc:
            raise HubTransportError(
                describe_transport_error(exc, read_timeout=read_timeout)
            ) from exc

    async def _request(
        self, method: str, path: str, *, claiming: bool = False, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(self._headers, **kwargs.pop("headers", {}))
        try:
            response = await self._http.request(
                method, self.base_url + path, headers=headers, timeout=self._timeout, **kwargs
            )
        except httpx.TransportError as exc:
            raise HubTransportError(describe_transport_error(exc)) from exc
        if response.is_success:
            return response
        raise _error_of(response, claiming=claiming)


def _segment(escalation_id: str) -> str:
    """An id as one path segment: '/', '?' and '#' cannot escape it."""
    if not escalation_id:
        raise ValueError("escalation id must not be empty")
    return quote(escalation_id, safe="")


def _envelope(response: httpx.Response) -> ErrorEnvelope | None:
    try:
        return ErrorEnvelope.model_validate_json(response.content)
    except ValidationError:
        return None


def _error_of(response: httpx.Response, *, claiming: bool = False) -> HubError:
    status = response.status_code
    envelope = _envelope(response)
    if status in (401, 403):
        return HubAuthError(status, envelope)
    if claiming and status == 409 and envelope and envelope.error.code == "already_claimed":
        holder = (envelope.error.model_extra or {}).get("claimed_by")
        return ClaimConflict(status, envelope, str(holder) if holder else "another agent")
    message = None
    if envelope is None:
        message = f"HTTP {status} {response.reason_phrase}".strip()
    return HubError(
        status,
        envelope,
        message,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def _parse(response: httpx.Response, model: type[M]) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise HubError(
            response.status_code, None, f"unexpected answer from the hub ({where}: {first['msg']})"
        ) from exc
