"""Helpers for tests against a real hub: a uvicorn subprocess on 127.0.0.1, set-up
through the storage, signed posts, and a bounded SSE reader."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self

import httpx
from httpx_sse import ServerSentEvent, connect_sse

from cxsidebar.hub.signing import sign_headers
from cxsidebar.hub.storage import open_storage

TIMEOUT = httpx.Timeout(5.0)


def wait_for(condition: Callable[[], object], *, timeout: float = 5.0) -> None:
    """Return once `condition()` is true; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {condition}")
        time.sleep(0.01)  # bounded by the deadline


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def create_token(db_url: str, role: str, name: str, queues: Sequence[str] = ()) -> str:
    storage = open_storage(db_url)
    try:
        return storage.create_token(role, name, queues)
    finally:
        storage.close()


def add_source(db_url: str, name: str) -> str:
    storage = open_storage(db_url)
    try:
        return storage.add_source(name)
    finally:
        storage.close()


def signed(secret: str, body: dict[str, Any] | bytes, **sign: Any) -> tuple[bytes, dict[str, str]]:
    """The bytes of `body` and the headers that sign them (`sign`: msg_id, timestamp)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    headers = sign_headers(secret, raw, **sign)
    headers["content-type"] = "application/json"
    return raw, headers


def post_escalation(
    url: str, secret: str, body: dict[str, Any], *, webhook_id: str | None = None
) -> httpx.Response:
    """POST a signed escalation to the hub at `url`."""
    raw, headers = signed(secret, body, msg_id=webhook_id)
    return httpx.post(f"{url}/v1/escalations", content=raw, headers=headers, timeout=TIMEOUT)


def escalation_body(
    escalation_id: str = "esc-1", queue: str = "billing", **extra: Any
) -> dict[str, Any]:
    """A valid `core.Escalation` as JSON, for tests to post."""
    body: dict[str, Any] = {
        "id": escalation_id,
        "queue": queue,
        "channel": "chat",
        "created_at": "2025-03-01T10:00:00+00:00",
        "bot": {"platform": "test-bot", "flow": "refund"},
        "customer": {"id": "cust-1", "display_name": "Dana Customer"},
        "reasons": [{"kind": "payment_threshold", "detail": "over limit", "value": 740}],
        "transcript": [
            {
                "id": "t1",
                "at": "2025-03-01T09:59:00+00:00",
                "speaker": "customer",
                "text": "Refund?",
            },
            {
                "id": "t2",
                "at": "2025-03-01T09:59:30+00:00",
                "speaker": "bot",
                "text": "One moment.",
            },
        ],
    }
    body.update(extra)
    return body


class HubProcess:
    """`python -m cxsidebar.hub serve` on 127.0.0.1; restartable on the same port and db."""

    def __init__(
        self,
        db_url: str,
        *,
        port: int | None = None,
        heartbeat: float = 15.0,
        log_path: Path | None = None,
        extra_args: Sequence[str] = (),
        summaries: bool = False,
    ) -> None:
        """`summaries`: off by default, so event sequences stay exact in wire tests."""
        self.db_url = db_url
        self.port = port or free_port()
        self.heartbeat = heartbeat
        self.log_path = log_path
        self.extra_args = list(extra_args) + ([] if summaries else ["--no-summaries"])
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.returncode

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def start(self, timeout: float = 20.0) -> Self:
        if self._process is not None and self._process.poll() is None:
            raise RuntimeError("the hub is running already")
        command = [
            sys.executable, "-m", "cxsidebar.hub", "serve",
            "--db", self.db_url,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--heartbeat", str(self.heartbeat),
            "--log-level", "info",
            *self.extra_args,
        ]  # fmt: skip
        if self._log is not None:
            self._log.close()
        self._log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        output = self._log if self._log is not None else subprocess.DEVNULL
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the hub exited with {self._process.returncode} while starting:\n"
                    + self.log_text()
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # bounded by the deadline
        self.kill()
        raise RuntimeError(f"the hub was not ready within {timeout} s:\n{self.log_text()}")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait; returns the exit code (0 after a graceful shutdown)."""
        if self._process is None:
            return 0
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError(f"the hub did not stop within {timeout} s") from None
        self._close_log()
        return self._process.returncode

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as after a crash."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SeededHub(HubProcess):
    """A HubProcess over a fresh database with a bot source, an agent and an admin.

    `db_url`: an empty database to use (a PostgreSQL one); by default a new
    SQLite file in `directory`, which also holds the log.
    """

    def __init__(self, directory: Path, *, db_url: str | None = None, **options: Any) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        db_url = db_url or sqlite_url(directory / "hub.sqlite3")
        options.setdefault("log_path", directory / "hub.log")
        super().__init__(db_url, **options)
        self.source_secret = add_source(db_url, "test-bot")
        self.agent_name = "Alice Agent"
        self.agent_token = create_token(db_url, "agent", self.agent_name)
        self.admin_token = create_token(db_url, "admin", "Ada Admin")

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.agent_token}"}

    def post(self, body: dict[str, Any], *, webhook_id: str | None = None) -> httpx.Response:
        return post_escalation(self.url, self.source_secret, body, webhook_id=webhook_id)


@dataclass
class SSEReading:
    """What a bounded read of an event stream saw, in order."""

    lines: list[str] = field(default_factory=list)  # every raw line, in order
    events: list[ServerSentEvent] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retries: list[int] = field(default_factory=list)
    ended: bool = False  # the server closed the stream

    @property
    def ids(self) -> list[int]:
        return [int(e.id) for e in self.events]

    @property
    def types(self) -> list[str]:
        return [e.event for e in self.events]


class SSEStream:
    """Reads raw lines of an open `text/event-stream` response with a deadline.

    httpx-sse's `iter_sse` hides comment lines, and while pings flow a read
    timeout never fires, so a wait for an event that never comes would block;
    this reader checks its deadline on every line, pings included.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.seen = SSEReading()
        self._lines = response.iter_lines()
        self._fields: dict[str, str] = {}
        self._data: list[str] = []

    def read_until(self, done: Any, *, timeout: float = 5.0) -> SSEReading:
        """Read until `done(self.seen)` is true; AssertionError at the deadline."""
        deadline = time.monotonic() + timeout
        while not done(self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"stream condition not met within {timeout} s: {self.seen}")
            try:
                line = next(self._lines)
            except StopIteration:
                self.seen.ended = True
                if not done(self.seen):
                    raise AssertionError(f"the stream ended first: {self.seen}") from None
                break
            self._feed(line)
        return self.seen

    def events(self, count: int, *, timeout: float = 5.0) -> list[ServerSentEvent]:
        """Read until `count` more events arrived; returns those."""
        start = len(self.seen.events)
        self.read_until(lambda seen: len(seen.events) >= start + count, timeout=timeout)
        return self.seen.events[start : start + count]

    def _feed(self, line: str) -> None:
        self.seen.lines.append(line)
        if line == "":
            if self._data or "event" in self._fields or "id" in self._fields:
                self.seen.events.append(
                    ServerSentEvent(
                        event=self._fields.get("event", "message"),
                        data="\n".join(self._data),
                        id=self._fields.get("id", ""),
                    )
                )
            self._fields, self._data = {}, []
            return
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "":
            self.seen.comments.append(value)
        elif name == "data":
            self._data.append(value)
        elif name == "retry":
            self.seen.retries.append(int(value))
        else:
            self._fields[name] = value


@contextmanager
def open_stream(
    url: str,
    token: str,
    *,
    last_event_id: int | str | None = None,
    queues: Sequence[str] = (),
    read_timeout: float = 5.0,
) -> Iterator[SSEStream]:
    """An open `GET /v1/events` (status checked) with explicit timeouts."""
    headers: dict[str, str] = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    timeout = httpx.Timeout(5.0, read=read_timeout)
    params: Mapping[str, Any] = {"queue": list(queues)} if queues else {}
    with (
        httpx.Client(base_url=url, timeout=timeout) as client,
        connect_sse(client, "GET", "/v1/events", headers=headers, params=params) as source,
    ):
        response = source.response
        if response.status_code != 200:
            response.read()
            raise AssertionError(f"GET /v1/events: {response.status_code} {response.text}")
        yield SSEStream(response)
