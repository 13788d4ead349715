"""`create_app`: the hub's FastAPI application over a storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from starlette.routing import Route

from cxsidebar.core import SCHEMA_VERSION, ErrorEnvelope, Escalation
from cxsidebar.hub.errors import CatchAllMiddleware, install_error_handlers
from cxsidebar.hub.events import EventBroker
from cxsidebar.hub.limits import BodyLimitMiddleware
from cxsidebar.hub.logs import RequestLogMiddleware
from cxsidebar.hub.maintenance import OptimizeJob
from cxsidebar.hub.metrics import HubMetrics
from cxsidebar.hub.metrics import router as metrics_router
from cxsidebar.hub.ratelimit import IntakeLimiter
from cxsidebar.hub.retention import RetentionJob
from cxsidebar.hub.routes import (
    adapters,
    customers,
    escalations,
    events,
    health,
    me,
    ratings,
    reports,
    summaries,
)
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.storage import HubStorage
from cxsidebar.hub.summarise import LLMSummariser, SummaryService
from cxsidebar.hub.summary_jobs import SummaryJobs

DESCRIPTION = (
    "Bots post signed escalations; sidebars stream events, fetch context, claim and rate. "
    "See docs/protocol.md."
)


def create_app(
    storage: HubStorage,
    settings: HubSettings | None = None,
    *,
    broker: EventBroker | None = None,
    metrics: HubMetrics | None = None,
) -> FastAPI:
    """The hub over `storage`. The caller owns the storage and closes it after serving."""
    settings = settings or HubSettings()
    broker = broker or EventBroker()
    metrics = metrics or HubMetrics()
    remove_listener = storage.add_commit_listener(broker.notify)
    jobs = (
        SummaryJobs(
            storage,
            SummaryService(LLMSummariser(settings.llm) if settings.llm else None),
            min_interval=settings.summary_regenerate_seconds,
            raw_queues=settings.llm_raw_queues,
            publish=broker.publish,  # previews while a streaming model writes
        )
        if settings.summaries
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        retention = (
            RetentionJob(storage, settings.retention_days, settings.retention_interval_seconds)
            if settings.retention_days is not None
            else None
        )
        app.state.retention = retention and retention.start()
        optimize = getattr(storage, "optimize", None)  # SQLite: PRAGMA optimize (maintenance.py)
        optimizer = OptimizeJob(optimize).start() if callable(optimize) else None
        app.state.optimizer = optimizer
        try:
            yield
        finally:
            if retention is not None:
                retention.close()
            if optimizer is not None:
                optimizer.close()
            broker.close()
            remove_listener()
            if jobs is not None:
                jobs.close()

    app = FastAPI(
        title="cxsidebar hub",
        version=SCHEMA_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.storage = storage
    app.state.settings = settings
    app.state.broker = broker
    app.state.summaries = jobs
    app.state.metrics = metrics
    app.state.intake_limiter = limiter = IntakeLimiter.of(settings)
    if limiter is not None:
        limiter.on_limited = lambda source: metrics.rate_limited.labels(source).inc()
    if jobs is not None:
        jobs.on_summary = metrics.summary_latency.observe
    install_error_handlers(app)
    # Added last, so outermost: CatchAll sees errors of everything inside it.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(RequestLogMiddleware, metrics=metrics)  # outermost: sees every status
    app.state.api_routes = []  # for the Allow header of a 405
    routers = (health, me, escalations, adapters, events, ratings, reports, customers, summaries)
    for module in routers:
        app.include_router(module.router)
        app.state.api_routes.extend(r for r in module.router.routes if isinstance(r, Route))
    app.include_router(metrics_router)
    app.state.api_routes.extend(r for r in metrics_router.routes if isinstance(r, Route))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    # POST /v1/escalations reads its body raw and errors are declared by reference:
    # add the schemas they refer to.
    _, top = models_json_schema(
        [(Escalation, "validation"), (ErrorEnvelope, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in top.get("$defs", {}).items():
        components.setdefault(name, definition)
    return schema
