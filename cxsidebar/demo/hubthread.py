"""A real uvicorn hub on 127.0.0.1, run in a background thread of this process."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from cxsidebar.hub.app import create_app
from cxsidebar.hub.server import hub_server
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.storage import HubStorage


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class HubThread:
    """Serve `storage` with uvicorn on loopback until `stop()`.

    The demo and the benchmarks use it so that everything runs in one command
    while still speaking real HTTP and SSE over a real socket.
    """

    def __init__(
        self,
        storage: HubStorage,
        *,
        settings: HubSettings | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        app = create_app(storage, settings or HubSettings())
        self._server = hub_server(app, host=self.host, port=self.port, log_level="warning")
        self._thread = threading.Thread(target=self._server.run, name="cxsidebar-hub", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> HubThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        tick = threading.Event()  # never set: a bounded wait between checks
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the hub did not start on {self.url} within {timeout:.0f} s")
            tick.wait(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
