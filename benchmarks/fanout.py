"""Fan-out and intake of a real hub on loopback, against nginx + nchan's published figures.

`python -m benchmarks fanout [--subscribers 1000,5000] [--events 20] [--rate 10]
[--intake 2000] [--intake-workers 1,2] [--clients 16] [--no-postgres] [--workers N]`
(`--subscribers ""` runs the intake only)

Fan-out: one hub process (SQLite, summaries off), N SSE subscribers held by
subscriber processes (raw asyncio sockets), then `--events` escalations at `--rate`
a second with ~200-byte event data. Each escalation carries its send time, so a
subscriber measures post→receive (an upper bound of commit→receive; the intake's
own latency is printed beside it). Hub CPU per delivery comes from /proc, memory
per subscriber from the hub's RSS before and after connecting. Intake: signed
escalations posted by `--clients` concurrent clients, in one run on SQLite (one
process) and, when a server can be started, on PostgreSQL with each process count of
`--intake-workers` (the clients spread over the processes), then each PostgreSQL
figure as a ratio of the SQLite one, so the comparison is measured at one time. Each
line also gives the CPU spent per escalation by the hub processes and by the
PostgreSQL backends (from /proc). The PostgreSQL server is the tests' throwaway one,
which runs with fsync off (SQLite here commits with fsync), so its figures flatter
PostgreSQL; CXSIDEBAR_BENCH_PG_URL points the run at a durable server. `--workers 2`
runs the fan-out on two hub processes sharing one PostgreSQL database (LISTEN/NOTIFY),
the subscribers split between them, the posts going to one. Everything is bounded by
deadlines and stops by itself.

Figures on the 2-core development machine (other work running beside it):
1,000 subscribers, one process: p99 28 ms (goal ≤ 50, nchan 25), 18 µs of hub CPU per
delivery (nchan ~11; a bare asyncio write loop costs ~9 here), ~41 KiB per subscriber
(nchan ~10). 5,000 subscribers, one process: p99 218 ms (goal ≤ 170, nchan 83): the
one event loop is ~90% busy writing; two processes on PostgreSQL: p99 131 ms.
Intake (`python -m benchmarks fanout --subscribers ""`, 2,000 posts, 16 clients),
four runs on a loaded machine: SQLite 1,020-1,380/s (p99 86-111 ms, hub ~700-850 µs
of CPU per escalation); PostgreSQL, one process 550-760/s (0.52-0.62 of SQLite; hub
~1,000-1,300 µs + backends ~250 µs per escalation), two processes 500-715/s
(0.49-0.57). Every escalation costs ~1.3 ms of CPU on PostgreSQL against ~0.8 ms on
SQLite, and the hubs, the server and the clients share the two cores, so here a
second process has no idle core to use: PostgreSQL's extra processes pay off on a
machine with cores to spare, not on this one.
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


@dataclass
class IntakeResult:
    backend: str
    processes: int
    accepted: int
    per_second: float
    p50_ms: float
    p99_ms: float
    hub_cpu_us: float  # per escalation, every hub process
    db_cpu_us: float  # per escalation, the PostgreSQL backends (0 on SQLite)


async def _post_all(
    ports: list[int], requests: list[bytes], concurrency: int
) -> tuple[float, list[float]]:
    """Send pre-built HTTP/1.1 requests over `concurrency` keep-alive connections, spread
    evenly over the hub processes at `ports` (raw asyncio streams: a light client leaves
    the CPU to the hub); returns the elapsed time and each request's latency."""
    latencies: list[float] = []
    pending = list(reversed(requests))

    async def connection(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while pending:
                request = pending.pop()
                started = time.perf_counter()
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                body = await asyncio.wait_for(reader.readexactly(length), 30)
                latencies.append(time.perf_counter() - started)
                if not head.startswith(b"HTTP/1.1 202"):
                    raise RuntimeError(f"intake answered {head[:20]!r}: {body[:200]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(ports[n % len(ports)]) for n in range(concurrency)))
    return time.perf_counter() - started, latencies


def intake(hubs: list[Hub], backend: str, total: int, concurrency: int = 16) -> IntakeResult:
    """Signed posts by `concurrency` clients spread over `hubs` (workers on one database)."""
    ports = [int(hub.url.rsplit(":", 1)[1]) for hub in hubs]
    requests = []
    for n in range(total):
        body = escalation(f"in-{backend}-{len(hubs)}-{n}", 0.0)  # new ids in a shared db
        headers = {
            **sign_headers(hubs[0].secret, body),
            "content-type": "application/json",
            "content-length": str(len(body)),
            "host": "127.0.0.1",
        }
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        requests.append(f"POST /v1/escalations HTTP/1.1\r\n{head}\r\n".encode() + body)
    database = hubs[0].db_url.rsplit("/", 1)[1] if backend == "postgresql" else None
    db_before = backend_cpu_seconds(database) if database else 0.0
    hub_before = sum(hub.cpu_seconds() for hub in hubs)
    elapsed, latencies = asyncio.run(_post_all(ports, requests, concurrency))
    hub_cpu = sum(hub.cpu_seconds() for hub in hubs) - hub_before
    db_cpu = backend_cpu_seconds(database) - db_before if database else 0.0
    return IntakeResult(
        backend=backend,
        processes=len(hubs),
        accepted=len(latencies),
        per_second=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.5) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        hub_cpu_us=hub_cpu / max(1, len(latencies)) * 1e6,
        db_cpu_us=db_cpu / max(1, len(latencies)) * 1e6,
    )


def fresh_postgres(stack: ExitStack) -> Callable[[], str] | None:
    """Makes fresh PostgreSQL databases, on a server started the way the tests start one
    (tests/support/postgres.py); None when that is not possible. CXSIDEBAR_BENCH_PG_URL
    names one empty database to use instead (for one run only)."""
    if os.environ.get("CXSIDEBAR_BENCH_PG_URL"):
        url = os.environ["CXSIDEBAR_BENCH_PG_URL"]
        return lambda: url
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    try:
        from support.postgres import (  # type: ignore[import-not-found]
            PostgresUnavailable,
            postgres_databases,
        )
    except ImportError:
        return None
    try:
        databases = stack.enter_context(postgres_databases())
    except PostgresUnavailable as error:
        print(f"(no PostgreSQL: {error})")
        return None
    return lambda: str(stack.enter_context(databases.fresh()))


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--subscriber-process":
        raise_fd_limit()
        port, token, streams, events, limit = argv[1:6]
        asyncio.run(
            subscribe_and_measure(int(port), token, int(streams), int(events), float(limit))
        )
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks fanout")
    parser.add_argument("--subscribers", default="1000,5000")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--intake", type=int, default=2000, help="escalations per intake run")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=1, help="hub processes sharing one PostgreSQL database"
    )
    parser.add_argument(
        "--intake-workers",
        default="1,2",
        help="hub process counts for the PostgreSQL intake runs (SQLite runs one)",
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent intake clients")
    args = parser.parse_args(argv)
    print(f"fd limit {raise_fd_limit()}; {os.cpu_count()} CPUs; loopback only")
    counts = [int(n) for n in args.subscribers.split(",") if n.strip()]
    with (
        tempfile.TemporaryDirectory(prefix="cxsidebar-fanout-") as directory,
        ExitStack() as stack,
    ):
        fresh_pg = None if args.no_postgres else fresh_postgres(stack)
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
        runs = [("sqlite", 1, f"sqlite:///{Path(directory) / 'intake.sqlite3'}")]
        if fresh_pg is not None:
            runs += [("postgresql", n, fresh_pg()) for n in intake_workers(args.intake_workers)]
        results = []
        for backend, processes, url in runs:
            hubs = [start_hub(url)]
            try:
                hubs += [start_hub(url, like=hubs[0]) for _ in range(processes - 1)]
                i = intake(hubs, backend, args.intake, args.clients)
            finally:
                for hub in hubs:
                    hub.stop()
            results.append(i)
            print(
                f"intake {i.backend:>10} x{i.processes}: {i.accepted} signed escalations, "
                f"{i.per_second:.0f}/s, p50 {i.p50_ms:.1f} ms, p99 {i.p99_ms:.1f} ms; "
                f"CPU per escalation: hub {i.hub_cpu_us:.0f} µs"
                + (f", PostgreSQL backends {i.db_cpu_us:.0f} µs" if i.db_cpu_us else "")
                + f" ({args.clients} concurrent clients; goal ≥ 500/s on SQLite)"
            )
        for i in results[1:]:  # measured in this run, so the ratio compares like with like
            print(
                f"intake {i.backend} x{i.processes} / sqlite x1: "
                f"{i.per_second / results[0].per_second:.2f}"
            )
    return 0


def intake_workers(text: str) -> list[int]:
    counts = [int(n) for n in text.split(",") if n.strip()]
    if any(n < 1 for n in counts):
        raise SystemExit(f"--intake-workers: expected counts of 1 or more, got {text!r}")
    return counts


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
