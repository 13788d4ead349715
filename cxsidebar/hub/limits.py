"""The request body cap, applied before anything parses a body.

A declared `Content-Length` over the cap is refused at once, without reading
the body. A body without one (chunked) is counted as it streams in and
refused as soon as the count passes the cap.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxsidebar.hub.errors import HubError, envelope


def too_large(limit: int) -> HubError:
    return HubError(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            error = too_large(limit)
            await envelope(413, error.code, error.message)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)  # answered by the HubError handler
            return message

        await self.app(scope, counting_receive, send)
