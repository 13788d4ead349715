"""Serving the hub with uvicorn, so that shutdown also ends the event streams."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from cxsidebar.hub.events import EventBroker
from cxsidebar.hub.fanout import TRANSPORT_SCOPE_KEY

TRANSPORT_METHODS = ("write", "is_closing", "get_write_buffer_size")


class ExposeTransport:
    """Puts uvicorn's transport of an HTTP connection into the scope, so the direct
    fan-out (fanout.py) can write live events to it. Everything else passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            # Duck-typed: uvloop's transports are not asyncio.WriteTransport subclasses.
            if all(hasattr(transport, name) for name in TRANSPORT_METHODS):
                scope[TRANSPORT_SCOPE_KEY] = transport
        await self.app(scope, receive, send)


class HubServer(uvicorn.Server):
    """uvicorn waits for open responses before it stops, and an event stream
    never ends by itself; so on shutdown the broker ends every stream first."""

    def __init__(self, config: uvicorn.Config, broker: EventBroker) -> None:
        super().__init__(config)
        self.broker = broker

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.broker.close()
        await super().shutdown(sockets)


def hub_server(
    app: FastAPI,
    *,
    host: str = "127.0.0.1",
    port: int = 8700,
    log_level: str = "info",
    timeout_graceful_shutdown: int = 5,
    own_logging: bool = False,
) -> HubServer:
    """A server for an app made by `create_app`; call `.run()` (or `.serve()` in a loop).

    `own_logging`: logging is configured already (`logs.configure_logging`), so uvicorn
    keeps its hands off it and the hub's request log replaces uvicorn's access log.
    """
    config = uvicorn.Config(
        ExposeTransport(app),
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=timeout_graceful_shutdown,
        log_config=None if own_logging else uvicorn.config.LOGGING_CONFIG,
        access_log=not own_logging,
    )
    broker: EventBroker = app.state.broker
    return HubServer(config, broker)
