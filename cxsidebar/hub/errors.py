"""The one error shape of the hub: every 4xx and 5xx body is a `core.ErrorEnvelope`.

Handlers cover the hub's own errors, Starlette's (404, 405) and FastAPI's 422;
an outer middleware turns anything unhandled into a logged 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxsidebar.core import ErrorDetail, ErrorEnvelope, ErrorInfo

log = logging.getLogger(__name__)

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

# Where FastAPI says a bad value came from; the field name alone is what people need.
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class HubError(HTTPException):
    """An error answer. A subclass of Starlette's, so FastAPI passes it through untouched
    even when raised while reading the body."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        details: Sequence[ErrorDetail] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=dict(headers or {}))
        self.code = code or CODES.get(status_code, f"http_{status_code}")
        self.message = message
        self.details = list(details)
        self.extra = extra


def envelope(
    status_code: int,
    code: str,
    message: str,
    details: Sequence[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = ErrorEnvelope(
        error=ErrorInfo(code=code, message=message, details=list(details), **extra)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=headers)


def field_name(loc: Iterable[int | str]) -> str | None:
    """`("body", "transcript", 0, "speaker")` → `"transcript.0.speaker"`."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or None


def validation_details(errors: Iterable[Mapping[str, Any]]) -> list[ErrorDetail]:
    details = []
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "")
            message = (
                f"the body is not valid JSON: {reason}" if reason else "the body is not valid JSON"
            )
            details.append(ErrorDetail(field=None, message=message))
        else:
            details.append(
                ErrorDetail(field=field_name(error.get("loc", ())), message=error["msg"])
            )
    return details


def validation_error(exc: ValidationError | RequestValidationError) -> HubError:
    details = validation_details(exc.errors())
    return HubError(422, "the request does not match the v1 schema", details=details)


async def _hub_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, HubError):
        return envelope(
            exc.status_code, exc.code, exc.message, exc.details, exc.headers, **exc.extra
        )
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    code = CODES.get(exc.status_code, f"http_{exc.status_code}")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return envelope(exc.status_code, code, message, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    routes: list[Route] = getattr(request.app.state, "api_routes", [])
    methods: set[str] = set()
    for route in routes:
        if route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return sorted(methods)


async def _request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return await _hub_error(request, validation_error(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _hub_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_middleware(CatchAllMiddleware)


class CatchAllMiddleware:
    """Answer an unhandled exception with a logged 500 envelope instead of a bare 500.

    Starlette's own catch-all re-raises after answering, which would log the
    error twice; this one is inside it and stops the exception here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            if started:
                raise  # too late for an error body; the server drops the connection
            response = envelope(500, "internal_error", "the hub failed; the error is logged")
            await response(scope, receive, send)


_DESCRIPTIONS = {
    401: "Missing, unknown or invalid credentials (token or webhook signature).",
    403: "The token's role or queues do not allow this.",
    404: "No such resource.",
    409: "Conflicts with what the hub already holds.",
    413: "The body is larger than the hub accepts.",
    422: "The request does not match the v1 schema; details name each field.",
    429: "Asked too often; `Retry-After` says when to ask again.",
    503: "The hub cannot do this now (a dependency is down or the feature is off).",
}


ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}  # added by create_app


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error answers: JSON envelopes, even on the SSE route
    (FastAPI would give a `model` the route's own media type)."""
    return {
        code: {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"schema": ENVELOPE_REF}},
        }
        for code in status_codes
    }
