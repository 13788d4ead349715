"""Serving the hub with uvicorn, so that shutdown also ends the event streams."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from cxsidebar.hub.events import EventBroker


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
) -> HubServer:
    """A server for an app made by `create_app`; call `.run()` (or `.serve()` in a loop)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    broker: EventBroker = app.state.broker
    return HubServer(config, broker)
