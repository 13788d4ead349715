"""A small stand-in hub for wire tests: a Starlette app served by a real uvicorn on 127.0.0.1.

It follows the v1 protocol as far as the sidebar's client uses it, records
what the client sent, and lets a test drop streams, go silent, or stop and
restart the server on the same port. Tests wait on `wait_until`, which
blocks on a condition with a deadline, never an unbounded sleep.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cxsidebar.core import (
    ClaimInfo,
    EscalationContext,
    QueueItem,
    RatingBatch,
    RatingBatchResult,
    RatingResult,
)


def envelope(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status)


@dataclass
class Connection:
    last_event_id: str | None
    queues: list[str]


@dataclass
class FakeHub:
    token: str = "agent-token"
    agent: str = "Sam"
    heartbeat: float = 0.1
    retry_ms: int = 20
    events: list[tuple[int, str, str]] = field(default_factory=list)
    open_items: list[QueueItem] = field(default_factory=list)
    contexts: dict[str, EscalationContext] = field(default_factory=dict)
    claims: dict[str, ClaimInfo] = field(default_factory=dict)
    ratings: dict[str, str] = field(default_factory=dict)  # id -> body json
    rating_keys: list[str] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    list_calls: int = 0
    pings: int = 0
    silent: bool = False  # stop sending anything, pings included, on open streams
    closing: bool = False

    def __post_init__(self) -> None:
        self.cond = threading.Condition()
        self._generation = 0

    # -- test side (any thread) -----------------------------------------------------------

    def publish(self, event_type: str, data: BaseModel) -> int:
        with self.cond:
            event_id = (self.events[-1][0] if self.events else 0) + 1
            self.events.append((event_id, event_type, data.model_dump_json()))
            self.cond.notify_all()
            return event_id

    def drop(self) -> None:
        """End every open stream cleanly (EOF), as a hub restart or proxy would."""
        with self.cond:
            self._generation += 1
            self.cond.notify_all()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout), "the fake hub never saw that happen"

    def _changed(self, **updates: Any) -> None:
        with self.cond:
            for name, value in updates.items():
                setattr(self, name, value)
            self.cond.notify_all()

    # -- the app --------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/events", self._events),
                Route("/v1/me", self._me),
                Route("/v1/escalations", self._list),
                Route("/v1/escalations/{id:str}", self._context),
                Route("/v1/escalations/{id:str}/claim", self._claim, methods=["POST"]),
                Route("/v1/ratings", self._ratings, methods=["POST"]),
            ]
        )

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    async def _events(self, request: Request) -> Response:
        if not self._authorised(request):
            return envelope(401, "unauthorized", "unknown token")
        last = request.headers.get("last-event-id")
        with self.cond:
            self.connections.append(Connection(last, request.query_params.getlist("queue")))
            generation = self._generation
            start = int(last) if last is not None else (self.events[-1][0] if self.events else 0)
            self.cond.notify_all()
        return StreamingResponse(self._stream(start, generation), media_type="text/event-stream")

    async def _stream(self, sent: int, generation: int) -> AsyncIterator[str]:
        yield f"retry: {self.retry_ms}\n\n"
        quiet_since = time.monotonic()
        while not self.closing and generation == self._generation:
            with self.cond:
                fresh = [e for e in self.events if e[0] > sent]
            if self.silent:
                fresh = []
                quiet_since = time.monotonic()
            for event_id, event_type, data in fresh:
                yield f"id: {event_id}\nevent: {event_type}\ndata: {data}\n\n"
                sent, quiet_since = event_id, time.monotonic()
            if not self.silent and time.monotonic() - quiet_since >= self.heartbeat:
                yield ": ping\n\n"
                quiet_since = time.monotonic()
                self._changed(pings=self.pings + 1)
            await asyncio.sleep(0.01)

    async def _me(self, request: Request) -> Response:
        if not self._authorised(request):
            return envelope(401, "unauthorized", "unknown token")
        return JSONResponse({"name": "Fake Agent", "role": "agent", "queues": []})

    async def _list(self, request: Request) -> Response:
        if not self._authorised(request):
            return envelope(401, "unauthorized", "unknown token")
        queues = request.query_params.getlist("queue")
        assert request.query_params.get("status") == "open"
        with self.cond:
            items = [i for i in self.open_items if not queues or i.queue in queues]
            self.list_calls += 1
            self.cond.notify_all()
        return JSONResponse({"items": [i.model_dump(mode="json") for i in items]})

    async def _context(self, request: Request) -> Response:
        if not self._authorised(request):
            return envelope(401, "unauthorized", "unknown token")
        context = self.contexts.get(request.path_params["id"])
        if context is None:
            return envelope(404, "not_found", "no such escalation")
        return JSONResponse(context.model_dump(mode="json"))

    async def _claim(self, request: Request) -> Response:
        if not self._authorised(request):
            return envelope(401, "unauthorized", "unknown token")
        escalation_id = request.path_params["id"]
        context = self.contexts.get(escalation_id)
        if context is None:
            return envelope(404, "not_found", "no such escalation")
        held = self.claims.get(escalation_id)
        if held is not None and held.claimed_by != self.agent:
            return envelope(409, "already_claimed", "already claimed", claimed_by=held.claimed_by)
        if held is None:
            held = ClaimInfo(
                escalation_id=escalation_id,
                queue=context.escalation.queue,
                claimed_by=self.agent,
                claimed_at=datetime.now(UTC),
            )
            self.claims[escalation_id] = held
            self.publish("escalation.claimed", held)
        return JSONResponse(held.model_dump(mode="json"))

    async def _ratings(self, request: Request) -> Response:
        if not self._authorised(request):
            return envelope(401, "unauthorized", "unknown token")
        batch = RatingBatch.model_validate_json(await request.body())
        results = []
        with self.cond:
            self.rating_keys.append(request.headers["idempotency-key"])
            for rating in batch.ratings:
                key, body = str(rating.id), rating.model_dump_json()
                if key not in self.ratings:
                    self.ratings[key] = body
                    results.append(RatingResult(id=rating.id, status="created"))
                elif self.ratings[key] == body:
                    results.append(RatingResult(id=rating.id, status="duplicate"))
                else:
                    results.append(
                        RatingResult(id=rating.id, status="rejected", reason="different body")
                    )
            self.cond.notify_all()
        return JSONResponse(RatingBatchResult(results=results).model_dump(mode="json"))


class ServedHub:
    """Serves a FakeHub on 127.0.0.1 with a real uvicorn in a thread; stop/start keep the port."""

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.hub.app(),
            lifespan="off",
            log_level="warning",
            ws="none",
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        self.hub.closing = False
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-hub", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:  # bounded: uvicorn offers no event to wait on
            assert self._thread.is_alive(), "uvicorn failed"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self.hub._changed(closing=True)  # open streams end, so shutdown need not wait
        self._server.should_exit = True
        self._thread.join(10)
        assert not self._thread.is_alive(), "uvicorn did not stop"
        self._server = self._thread = None
