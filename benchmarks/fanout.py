"""Fan-out and intake of a real hub on loopback, against nginx + nchan's published figures.

`python -m benchmarks fanout [--subscribers 1000,5000] [--events 20] [--rate 10]
[--workers N] [--intake 4000] [--intake-workers 1,2] [--clients 16,64]
[--pg-server durable|fast|durable,fast] [--no-postgres]` (`--subscribers ""` runs the
intake only, like `python -m benchmarks intake`)

Fan-out: one hub process (SQLite, summaries off), N SSE subscribers held by
subscriber processes (raw asyncio sockets), then `--events` escalations at `--rate`
a second with ~200-byte event data. Each escalation carries its send time, so a
subscriber measures post→receive (an upper bound of commit→receive; the intake's
own latency is printed beside it). Hub CPU per delivery comes from /proc, memory
per subscriber from the hub's RSS before and after connecting. `--workers 2` runs the
fan-out on two hub processes sharing one PostgreSQL database (LISTEN/NOTIFY), the
subscribers split between them, the posts going to one. Then the intake runs
(intake_load.py): signed escalations from `--clients` cheap pre-signed clients, on
SQLite and on PostgreSQL with each process count of `--intake-workers`, in one run,
with the CPU per escalation of the hubs, the PostgreSQL server and the load generator.
Everything is bounded by deadlines and stops by itself.

Figures on the 2-core development machine (other work running beside it):
1,000 subscribers, one process: p99 28 ms (goal ≤ 50, nchan 25), 18 µs of hub CPU per
delivery (nchan ~11; a bare asyncio write loop costs ~9 here), ~41 KiB per subscriber
(nchan ~10). 5,000 subscribers, one process: p99 218 ms (goal ≤ 170, nchan 83): the
one event loop is ~90% busy writing; two processes on PostgreSQL: p99 131 ms.
Intake figures: intake_load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks._hub import stop_process
from cxsidebar.hub.signing import sign_headers
from cxsidebar.hub.storage import open_storage

NCHAN = {1000: 25.0, 5000: 83.0}  # published p99 ms (nginx + nchan, 2 cores, one server)
GOALS = {1000: 50.0, 5000: 170.0}  # within 2x of nchan
NCHAN_CPU_US, NCHAN_KIB_PER_SUB = 11.0, 10.0
MARK = re.compile(rb"bench t=(\d+\.\d+)")
CONNECT_AT_ONCE = 200  # connections in flight while subscribing
SUBSCRIBERS_PER_PROCESS = 2500
TIMEOUT = httpx.Timeout(10.0)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(database: str) -> float:
    """CPU of the PostgreSQL backends serving `database` (their title names it)."""
    needle = f" {database} ".encode()
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and needle in title:
            total += process_cpu_seconds(int(entry.name))
    return total


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- the hub ------------------------------------------------------------------


@dataclass
class Hub:
    url: str
    secret: str
    token: str
    process: subprocess.Popen[bytes]
    db_url: str

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        stop_process(self.process, grace=15)


def start_hub(db_url: str, *, timeout: float = 30.0, like: Hub | None = None) -> Hub:
    """A hub process on `db_url`, seeded with a source and a token; `like`: another
    worker on the same database, with that hub's source and token."""
    from cxsidebar.demo.hubthread import free_port

    if like is not None:
        secret, token = like.secret, like.token
    else:
        storage = open_storage(db_url)
        try:
            secret = storage.add_source("bench-bot")
            token = storage.create_token("agent", "Bench Agent", ())
        finally:
            storage.close()
    port = free_port()
    command = [
        *(sys.executable, "-m", "cxsidebar.hub", "serve", "--db", db_url),
        *("--host", "127.0.0.1", "--port", str(port), "--no-summaries"),
        *("--heartbeat", "30", "--log-level", "warning", "--metrics-access", "public"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Hub(url, secret, token, process, db_url)
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the benchmark hub did not start on {url}")
        time.sleep(0.05)  # bounded by the deadline


def escalation(escalation_id: str, sent_at: float) -> bytes:
    body: dict[str, Any] = {
        "id": escalation_id,
        "queue": "billing",
        "channel": "chat",
        "created_at": "2025-03-01T10:00:00+00:00",
        "bot": {"platform": "bench", "flow": "refund"},
        "customer": {"id": "cust-1", "display_name": "Bench Customer"},
        "reasons": [{"kind": "other", "detail": f"bench t={sent_at:.6f}"}],
        "transcript": [],
    }
    return json.dumps(body).encode()


# -- subscriber processes -----------------------------------------------------


class Subscriber(asyncio.Protocol):
    def __init__(self, request: bytes, expected: int, ready: asyncio.Event, done: Any) -> None:
        self.request = request
        self.expected = expected
        self.ready = ready
        self.done = done
        self.buffer = b""
        self.latencies: list[float] = []
        self.started = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.started and b"retry:" in self.buffer:
            self.started = True
            self.ready.set()
        end = 0
        for match in MARK.finditer(self.buffer):
            self.latencies.append(now - float(match.group(1)))
            end = match.end()
        if end:
            self.buffer = self.buffer[end:]
        elif len(self.buffer) > 4096:
            self.buffer = self.buffer[-512:]
        if len(self.latencies) >= self.expected:
            self.done(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.done(self)


async def subscribe_and_measure(
    port: int, token: str, count: int, events: int, limit: float
) -> None:
    """In a subscriber process: connect `count` streams, print `ready`, then print the
    latencies (JSON) once every stream has `events` events or at the deadline."""
    loop = asyncio.get_running_loop()
    request = (
        f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    finished: set[Subscriber] = set()
    all_done = asyncio.Event()

    def done(subscriber: Subscriber) -> None:
        finished.add(subscriber)
        if len(finished) == count:
            all_done.set()

    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    subscribers: list[Subscriber] = []
    transports: list[asyncio.BaseTransport] = []

    async def connect() -> None:
        async with gate:
            ready = asyncio.Event()
            subscriber = Subscriber(request, events, ready, done)
            transport, _ = await loop.create_connection(lambda: subscriber, "127.0.0.1", port)
            subscribers.append(subscriber)
            transports.append(transport)
            await asyncio.wait_for(ready.wait(), 60)

    await asyncio.gather(*(connect() for _ in range(count)))
    print("ready", flush=True)
    with suppress(TimeoutError):
        await asyncio.wait_for(all_done.wait(), limit)
    for transport in transports:
        transport.close()
    latencies = [value for s in subscribers for value in s.latencies]
    print(json.dumps({"latencies": latencies, "streams": len(subscribers)}), flush=True)


# -- the runs -----------------------------------------------------------------


@dataclass
class FanoutResult:
    subscribers: int
    deliveries: int
    expected: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    intake_p50_ms: float
    cpu_us_per_delivery: float
    kib_per_subscriber: float


def fanout(hubs: list[Hub], subscribers: int, events: int, rate: float) -> FanoutResult:
    """Subscribers spread over `hubs` (workers on one database); posts go to the first."""
    hub = hubs[0]
    limit = events / rate + 30
    workers: list[subprocess.Popen[str]] = []
    rss_before = sum(h.rss_kib() for h in hubs)
    remaining = subscribers
    per_process = min(SUBSCRIBERS_PER_PROCESS, -(-subscribers // len(hubs)))
    while remaining:
        count = min(per_process, remaining)
        port = int(hubs[len(workers) % len(hubs)].url.rsplit(":", 1)[1])
        remaining -= count
        command = [
            *(sys.executable, "-m", "benchmarks.fanout", "--subscriber-process"),
            *(str(port), hub.token, str(count), str(events), str(limit)),
        ]
        workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()  # the worker's own deadlines bound this
            if line.strip() != "ready":
                raise RuntimeError(f"a subscriber process failed to connect: {line!r}")
        rss_after = sum(h.rss_kib() for h in hubs)
        cpu_before = sum(h.cpu_seconds() for h in hubs)
        intake: list[float] = []
        with httpx.Client(base_url=hub.url, timeout=TIMEOUT) as client:
            start = time.monotonic()
            for n in range(events):
                due = start + n / rate
                time.sleep(max(0.0, due - time.monotonic()))  # bounded: `events` steps
                sent = time.time()
                body = escalation(f"fan-{subscribers}-{n}", sent)
                response = client.post(
                    "/v1/escalations", content=body, headers=sign_headers(hub.secret, body)
                )
                intake.append(time.time() - sent)
                response.raise_for_status()
        outputs = [json.loads(worker.communicate(timeout=limit + 30)[0]) for worker in workers]
        cpu = sum(h.cpu_seconds() for h in hubs) - cpu_before
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
    latencies = [value * 1000 for out in outputs for value in out["latencies"]]
    return FanoutResult(
        subscribers=subscribers,
        deliveries=len(latencies),
        expected=subscribers * events,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=float("nan")),
        intake_p50_ms=percentile(intake, 0.5) * 1000,
        cpu_us_per_delivery=cpu / max(1, len(latencies)) * 1e6,
        kib_per_subscriber=(rss_after - rss_before) / subscribers,
    )


def fresh_postgres(stack: ExitStack) -> Callable[[], str] | None:
    """Fresh PostgreSQL databases on a throwaway server started the way the tests start
    one (fsync off), or CXSIDEBAR_BENCH_PG_URL's; None when that is not possible."""
    from benchmarks import intake_load  # it builds on this module's hub

    server = intake_load.start_postgres(stack, "fast")
    return None if server is None else server.fresh


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--subscriber-process":
        raise_fd_limit()
        port, token, streams, events, limit = argv[1:6]
        asyncio.run(
            subscribe_and_measure(int(port), token, int(streams), int(events), float(limit))
        )
        return 0
    from benchmarks import intake_load  # it builds on this module's hub

    parser = argparse.ArgumentParser(prog="python -m benchmarks fanout")
    parser.add_argument("--subscribers", default="1000,5000")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument(
        "--workers", type=int, default=1, help="hub processes sharing one PostgreSQL database"
    )
    intake_load.add_arguments(parser)  # --intake, --clients, --intake-workers, --pg-server
    args = parser.parse_args(argv)
    print(f"fd limit {raise_fd_limit()}; {os.cpu_count()} CPUs; loopback only")
    counts = [int(n) for n in args.subscribers.split(",") if n.strip()]
    with (
        tempfile.TemporaryDirectory(prefix="cxsidebar-fanout-") as directory,
        ExitStack() as stack,
    ):
        fresh_pg = None if args.no_postgres or not counts else fresh_postgres(stack)
        for count in counts:
            if args.workers > 1:  # several processes share a database: PostgreSQL
                if fresh_pg is None:
                    print("--workers above 1 needs PostgreSQL")
                    return 1
                url, backend = fresh_pg(), "postgresql"
            else:
                url, backend = f"sqlite:///{Path(directory) / f'fan-{count}.sqlite3'}", "sqlite"
            hubs = [start_hub(url)]
            try:
                hubs += [start_hub(url, like=hubs[0]) for _ in range(args.workers - 1)]
                r = fanout(hubs, count, args.events, args.rate)
            finally:
                for hub in hubs:
                    hub.stop()
            goal, nchan = GOALS.get(count), NCHAN.get(count)
            print(
                f"fan-out {r.subscribers:>5} subscribers ({len(hubs)} hub process(es), {backend}): "
                f"{r.deliveries}/{r.expected} delivered; "
                f"post→receive p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, max {r.max_ms:.1f} ms "
                f"(intake p50 {r.intake_p50_ms:.1f} ms of it); "
                f"hub CPU {r.cpu_us_per_delivery:.1f} µs/delivery (nchan ~{NCHAN_CPU_US:g}); "
                f"{r.kib_per_subscriber:.1f} KiB/subscriber (nchan ~{NCHAN_KIB_PER_SUB:g})"
                + (f"; goal p99 ≤ {goal:g} ms, nchan {nchan:g} ms" if goal and nchan else "")
            )
    with tempfile.TemporaryDirectory(prefix="cxsidebar-intake-") as directory:
        return intake_load.run(args, Path(directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
