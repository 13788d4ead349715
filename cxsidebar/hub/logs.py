"""Structured logs without PII: one JSON object per line, and the request log.

A record carries its time, level, logger, message, the id of the request it
belongs to (a context variable, so records from worker threads carry it too)
and the whitelisted `fields` a caller passes with `extra={"fields": {...}}`.
Bodies, transcript text, names and tokens are never logged: the request log
knows only the route template, method, status and latency, and an exception
is logged as its type and frames, never its message (a validation error's
message quotes the input).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxsidebar.hub.metrics import HubMetrics

REQUEST_ID_HEADER = "x-request-id"
request_id: ContextVar[str | None] = ContextVar("cxsidebar_hub_request_id", default=None)

# A client's own id is kept only when it cannot carry anything but an id.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The fields a record may carry besides the message; anything else is dropped.
ALLOWED_FIELDS = frozenset(
    {"route", "method", "status", "latency_ms", "event_id", "escalation_id", "subscribers",
     "source", "count", "days", "signal"}
)  # fmt: skip
INTAKE_ROUTES = frozenset({"/v1/escalations", "/v1/adapters/{platform}/escalations"})
access_log = logging.getLogger("cxsidebar.hub.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k in ALLOWED_FIELDS})
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            entry["exception"] = exc_type.__qualname__
            entry["frames"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, *, json_lines: bool = True) -> None:
    """The root logger (and uvicorn's, which then propagate to it) to stderr.

    Like `logging.basicConfig`, nothing changes when the root logger has handlers
    already (an embedding program or a test harness configured logging)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    if isinstance(route, BaseRoute):
        path = getattr(route, "path", None)
        if isinstance(path, str):
            return path
    return "unmatched"  # never the raw path: it may carry ids of any length


class RequestLogMiddleware:
    """Gives each request an id (`X-Request-ID`, echoed), logs one line when it ends
    and records its duration (to the start of the answer) in the metrics."""

    def __init__(self, app: ASGIApp, metrics: HubMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _request_id(scope)
        token = request_id.set(rid)
        status = 500
        method = str(scope.get("method", ""))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
                self._observe(scope, method, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "route": route_template(scope),
                        "method": method,
                        "status": status,
                        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                    }
                },
            )
            request_id.reset(token)

    def _observe(self, scope: Scope, method: str, status: int, seconds: float) -> None:
        route = route_template(scope)
        self.metrics.requests.labels(route, method, str(status)).observe(seconds)
        if method == "POST" and route in INTAKE_ROUTES:
            self.metrics.escalations.labels(str(status)).inc()


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            text = str(value.decode("latin-1"))
            if _CLIENT_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex
