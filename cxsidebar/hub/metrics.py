"""Prometheus metrics of the hub, served at `GET /metrics`.

One `HubMetrics` per app, on its own registry, so several apps in one process
(tests, the demo) do not share counters. With several worker processes set
`PROMETHEUS_MULTIPROC_DIR` to an empty directory before the workers start:
prometheus-client then keeps every worker's values in files there, and any
worker's `/metrics` answers for all of them (docs/deployment.md). Without it,
scrape each worker on its own port.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from cxsidebar.hub.errors import HubError
from cxsidebar.hub.storage import HubStorage, Role

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Delivery is a loopback write in the common case: resolve the low milliseconds.
DELIVERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SUMMARY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REQUEST_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class MetricsAccess(StrEnum):
    """Who may read `/metrics`: a token of at least that role, anyone, or nobody (404)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    PUBLIC = "public"
    OFF = "off"


class HubMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.escalations = Counter(
            "cxsidebar_hub_escalations_received",
            "Signed escalation deliveries, by HTTP status of the answer",
            ["status"],
            registry=r,
        )
        self.events_fanned_out = Counter(
            "cxsidebar_hub_events_fanned_out",
            "Events written to subscribers (one per event and subscriber)",
            registry=r,
        )
        self.subscribers = Gauge(
            "cxsidebar_hub_subscribers",
            "Event streams connected now",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.delivery_latency = Histogram(
            "cxsidebar_hub_delivery_latency_seconds",
            "From the commit of an event to its write to a subscriber",
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.ratings = Counter(
            "cxsidebar_hub_ratings_received",
            "Ratings received, by result (created, duplicate, rejected)",
            ["result"],
            registry=r,
        )
        self.summary_latency = Histogram(
            "cxsidebar_hub_summary_latency_seconds",
            "Time to make one summary (extractive or LLM)",
            buckets=SUMMARY_BUCKETS,
            registry=r,
        )
        self.requests = Histogram(
            "cxsidebar_hub_request_duration_seconds",
            "HTTP requests by route template, method and status (streams: until the 200 starts)",
            ["route", "method", "status"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "cxsidebar_hub_intake_rate_limited",
            "Escalation deliveries refused with 429, by source",
            ["source"],
            registry=r,
        )

    def exposition(self) -> bytes:
        """The text format: every worker's values in multi-process mode, else this one's."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_of(request: Request) -> HubMetrics:
    metrics: HubMetrics = request.app.state.metrics
    return metrics


router = APIRouter(tags=["operations"])
_bearer = HTTPBearer(auto_error=False)


def _check_access(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    access: MetricsAccess = request.app.state.settings.metrics_access
    if access is MetricsAccess.OFF:
        raise HubError(404, "metrics are switched off on this hub")
    if access is MetricsAccess.PUBLIC:
        return
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HubError(401, "send Authorization: Bearer <token>", headers=challenge)
    storage: HubStorage = request.app.state.storage
    info = storage.find_token(credentials.credentials)
    if info is None:
        raise HubError(401, "unknown token", headers=challenge)
    needed = Role(access.value)
    if not info.role.allows(needed):
        raise HubError(403, f"this needs the {needed.value} role; the token has {info.role.value}")


@router.get(
    "/metrics",
    summary="Prometheus metrics (text format)",
    include_in_schema=False,
    dependencies=[Depends(_check_access)],
)
def metrics(request: Request) -> Response:
    return Response(metrics_of(request).exposition(), media_type=CONTENT_TYPE_LATEST)
