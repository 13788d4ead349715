"""A real hub process on 127.0.0.1 for benchmarks, seeded with a bot source and an agent."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cxsidebar.demo.hubthread import free_port, sqlite_url
from cxsidebar.hub.storage import open_storage


def stop_process(process: subprocess.Popen[Any], grace: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `grace` seconds."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@dataclass
class BenchHub:
    url: str
    secret: str
    token: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        stop_process(self.process)


def start_hub(directory: Path, *, timeout: float = 20.0) -> BenchHub:
    db_url = sqlite_url(directory / "hub.sqlite3")
    storage = open_storage(db_url)
    try:
        secret = storage.add_source("bench-bot")
        token = storage.create_token("agent", "Bench Agent", ())
    finally:
        storage.close()
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "cxsidebar.hub", "serve"),
            *("--db", db_url, "--host", "127.0.0.1", "--port", str(port)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    tick = threading.Event()  # never set: a bounded pause between readiness checks
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the benchmark hub did not start on {url}")
        tick.wait(0.05)
    return BenchHub(url=url, secret=secret, token=token, process=process)
