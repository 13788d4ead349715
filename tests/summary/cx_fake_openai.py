"""A fake OpenAI-compatible server on 127.0.0.1 that speaks the real chat-completions wire format.

Each test sets `reply`: a function from the request body to a `Reply`. The
server records every request body, so tests can check what left the hub.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cxsidebar.demo.hubthread import free_port


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    refusal: str | None = None
    delay: float = 0.0  # seconds before answering, to provoke client timeouts
    chunk_delay: float = 0.0  # seconds between streamed pieces, as a model writes
    chunk_size: int = 17  # characters per streamed piece
    error: dict[str, Any] | None = None


@dataclass
class FakeOpenAI:
    reply: Callable[[dict[str, Any]], Reply] = lambda body: Reply("{}")
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        reply = self.reply(body)
        if reply.delay:
            await _sleep(reply.delay)
        if reply.status != 200:
            error = reply.error or {"message": "bad request", "type": "invalid_request_error"}
            return JSONResponse({"error": error}, status_code=reply.status)
        if body.get("stream"):
            return StreamingResponse(_chunks(body, reply), media_type="text/event-stream")
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.refusal:
            message = {"role": "assistant", "content": None, "refusal": reply.refusal}
        return JSONResponse(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
        )


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def _chunks(body: dict[str, Any], reply: Reply) -> AsyncIterator[str]:
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body["model"],
    }
    first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    yield f"data: {json.dumps(first)}\n\n"
    text = reply.content
    size = reply.chunk_size
    for start in range(0, len(text), size):  # several small deltas, as models stream
        if reply.chunk_delay:
            await _sleep(reply.chunk_delay)
        delta = {"content": text[start : start + size]}
        piece = {**base, "choices": [{"index": 0, "delta": delta}]}
        yield f"data: {json.dumps(piece)}\n\n"
    last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    yield f"data: {json.dumps(last)}\n\n"
    yield "data: [DONE]\n\n"


class ServedFake:
    """Runs a FakeOpenAI with uvicorn in a thread; `.base_url` ends in /v1.

    `tls`: (certificate, key) PEM files to serve HTTPS with."""

    def __init__(self, fake: FakeOpenAI, *, tls: tuple[str, str] | None = None) -> None:
        self.fake = fake
        self.port = free_port()
        self.scheme = "https" if tls else "http"
        config = uvicorn.Config(
            fake.app(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            ssl_certfile=tls[0] if tls else None,
            ssl_keyfile=tls[1] if tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/v1"

    def start(self) -> ServedFake:
        self._thread.start()
        deadline = time.monotonic() + 10
        tick = threading.Event()
        while not self._server.started:
            assert self._thread.is_alive(), "fake server failed"
            assert time.monotonic() < deadline, "fake server did not start"
            tick.wait(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
