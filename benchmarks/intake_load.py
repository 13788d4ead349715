"""Signed intake under load: SQLite and PostgreSQL (N processes) in one run, and where
the CPU goes.

`python -m benchmarks intake [--intake 4000] [--clients 16,64] [--intake-workers 1,2]
[--pg-server durable|fast|durable,fast] [--no-postgres]` (also run by `python -m benchmarks
fanout`, which takes the same options)

The load generator is cheap on purpose, so it leaves the cores to the hub: every
request is built and signed before the clock starts (the signatures stay within the
5-minute tolerance), then `--clients` keep-alive HTTP/1.1 connections (raw asyncio
streams) each send one request, read its 202 and send the next. Each line gives, per
escalation, the CPU of the hub processes, of the whole PostgreSQL server (backends,
WAL writer, checkpointer: every child of the postmaster) and of this load generator,
all from /proc, and how busy the machine was meanwhile (other work included).

`--pg-server durable` (the default, the issue's figure) runs a throwaway PostgreSQL
with fsync, synchronous_commit and full_page_writes on, as in production; `fast` turns
them off like the test server (which flatters PostgreSQL: SQLite here commits with
fsync). CXSIDEBAR_BENCH_PG_URL names one empty database on a server of your own.

Figures on the 2-core development machine, idle (two runs of the defaults: 4,000 posts,
16 and 64 clients). With 16 clients: SQLite 1,188-1,520/s (p99 79-87 ms); PostgreSQL
durable with one process 1,012-1,175/s (0.77-0.85x), with two 993-1,176/s (0.77-0.84x;
p99 38-65 ms). With 64 clients: SQLite 1,062-1,371/s; PostgreSQL with one process
1,051-1,220/s (0.89-0.99x), with two 1,494-1,688/s (1.23-1.41x; p99 119-163 ms; hub
760-850 us + server 100-120 us per escalation, 1.6 cores busy). Why they differ: with
16 posts in flight the rate is bound by commit latency (a group holds at most 16), and
SQLite's commit, in the hub's own process, is the quicker; a second PostgreSQL worker
only splits the groups. With 64 in flight the groups are large and CPU is the bound:
one SQLite hub is one process on one core (0.7-1.0 ms per escalation), two PostgreSQL
workers use both cores. Of a hub's CPU per escalation about 0.15 ms is the HTTP stack
itself (as much as a GET /healthz costs), about 0.25 ms the store (in groups of 16), the
rest verifying, parsing and answering. With other work on the machine the ratio of two
PostgreSQL workers to SQLite at 64 clients moved between 0.88x and 1.28x.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fanout import (
    Hub,
    backend_cpu_seconds,
    escalation,
    percentile,
    process_cpu_seconds,
    start_hub,
)
from cxsidebar.hub.signing import sign_headers

CONTENT_LENGTH = re.compile(rb"(?i)content-length: *(\d+)")
SERVER_KINDS = ("durable", "fast")


@dataclass
class IntakeResult:
    label: str
    processes: int
    clients: int
    accepted: int
    per_second: float
    p50_ms: float
    p99_ms: float
    hub_cpu_us: float  # per escalation, every hub process
    db_cpu_us: float  # per escalation, the PostgreSQL server (0 on SQLite)
    client_cpu_us: float  # per escalation, this load generator
    busy_cores: float  # the whole machine, meanwhile
    other_cores: float  # of which neither the hubs, the server nor the load generator

    def line(self) -> str:
        db = f", PostgreSQL server {self.db_cpu_us:.0f} µs" if self.db_cpu_us else ""
        return (
            f"intake {self.label:>18} x{self.processes}, {self.clients:>3} clients: "
            f"{self.accepted} signed escalations, "
            f"{self.per_second:.0f}/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms; "
            f"CPU per escalation: hub {self.hub_cpu_us:.0f} µs{db}, "
            f"load generator {self.client_cpu_us:.0f} µs; machine {self.busy_cores:.2f} "
            f"cores busy, {self.other_cores:.2f} of them other work"
        )


def machine_busy_seconds() -> float:
    """CPU seconds spent by every core (not idle, not waiting for I/O) since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(postmaster: int | None, database: str) -> float:
    """The PostgreSQL server's CPU: the postmaster and all its children, or (a server not
    started here) the backends serving `database`."""
    if postmaster is None:
        return backend_cpu_seconds(database)
    total = process_cpu_seconds(postmaster)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == postmaster:
            total += process_cpu_seconds(int(entry.name))
    return total


async def _post_all(
    ports: list[int], requests: list[bytes], concurrency: int
) -> tuple[float, list[float]]:
    """Send pre-built HTTP/1.1 requests over `concurrency` keep-alive connections, spread
    evenly over the hub processes at `ports`; each answer must be a 202. Returns the
    elapsed time and each request's latency."""
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
                length = CONTENT_LENGTH.search(head)
                if length is None:
                    raise RuntimeError(f"intake answered without a length: {head[:200]!r}")
                body = await asyncio.wait_for(reader.readexactly(int(length.group(1))), 30)
                latencies.append(time.perf_counter() - started)
                if not head.startswith(b"HTTP/1.1 202") or b'"event_id"' not in body:
                    raise RuntimeError(f"intake answered {head[:20]!r}: {body[:200]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(ports[n % len(ports)]) for n in range(concurrency)))
    return time.perf_counter() - started, latencies


def signed_requests(hubs: list[Hub], prefix: str, total: int) -> list[bytes]:
    """Every request, signed now, so the run measures the hub and not the signing."""
    requests = []
    for n in range(total):
        body = escalation(f"{prefix}-{n}", 0.0)  # new ids in a shared database
        headers = {
            **sign_headers(hubs[0].secret, body),
            "content-type": "application/json",
            "content-length": str(len(body)),
            "host": "127.0.0.1",
        }
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        requests.append(f"POST /v1/escalations HTTP/1.1\r\n{head}\r\n".encode() + body)
    return requests


def intake(
    hubs: list[Hub],
    label: str,
    total: int,
    concurrency: int = 16,
    postmaster: int | None = None,
) -> IntakeResult:
    """Signed posts by `concurrency` clients spread over `hubs` (workers on one database)."""
    ports = [int(hub.url.rsplit(":", 1)[1]) for hub in hubs]
    requests = signed_requests(hubs, f"in-{label}-{len(hubs)}-{concurrency}", total)
    database = hubs[0].db_url.rsplit("/", 1)[1] if hubs[0].db_url.startswith("postgres") else ""

    def db_cpu() -> float:
        return server_cpu_seconds(postmaster, database) if database else 0.0

    db_before, hub_before = db_cpu(), sum(hub.cpu_seconds() for hub in hubs)
    client_before, busy_before = time.process_time(), machine_busy_seconds()
    elapsed, latencies = asyncio.run(_post_all(ports, requests, concurrency))
    busy = machine_busy_seconds() - busy_before
    client = time.process_time() - client_before
    hub_cpu = sum(hub.cpu_seconds() for hub in hubs) - hub_before
    server = db_cpu() - db_before
    count = max(1, len(latencies))
    return IntakeResult(
        label=label,
        processes=len(hubs),
        clients=concurrency,
        accepted=len(latencies),
        per_second=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.5) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        hub_cpu_us=hub_cpu / count * 1e6,
        db_cpu_us=server / count * 1e6,
        client_cpu_us=client / count * 1e6,
        busy_cores=busy / elapsed,
        other_cores=max(0.0, busy - hub_cpu - server - client) / elapsed,
    )


@dataclass
class PgServer:
    """Fresh databases on one throwaway server (or CXSIDEBAR_BENCH_PG_URL's)."""

    kind: str  # "durable", "fast", or "given"
    fresh: Callable[[], str]
    postmaster: int | None


def start_postgres(stack: ExitStack, kind: str) -> PgServer | None:
    """A server started the way the tests start one (tests/support/postgres.py), durable
    or not; None when that is not possible."""
    if os.environ.get("CXSIDEBAR_BENCH_PG_URL"):
        url = os.environ["CXSIDEBAR_BENCH_PG_URL"]
        return PgServer("given", lambda: url, None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    try:
        from support.postgres import (  # type: ignore[import-not-found]
            PostgresUnavailable,
            postgres_databases,
        )
    except ImportError:
        return None
    try:
        databases = stack.enter_context(postgres_databases(durable=kind == "durable"))
    except PostgresUnavailable as error:
        print(f"(no PostgreSQL: {error})")
        return None
    server = databases.server
    return PgServer(
        kind,
        lambda: str(stack.enter_context(databases.fresh())),
        server.postmaster_pid() if server is not None else None,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--intake", type=int, default=4000, help="escalations per intake run (0: none)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--intake-workers",
        default="1,2",
        help="hub process counts for the PostgreSQL intake runs (SQLite runs one)",
    )
    parser.add_argument(
        "--clients",
        default="16,64",
        help="concurrent intake clients; several counts run one after the other (default 16,64)",
    )
    parser.add_argument(
        "--pg-server",
        default="durable",
        help="PostgreSQL servers to run on: durable (fsync on; the default), fast, or both",
    )


def run(args: argparse.Namespace, directory: Path) -> int:
    """The intake runs of `args`, in one run so their ratios compare like with like: for
    each client count, SQLite with one hub, then PostgreSQL with each worker count."""
    if args.intake <= 0:
        return 0
    kinds = [kind.strip() for kind in args.pg_server.split(",") if kind.strip()]
    if any(kind not in SERVER_KINDS for kind in kinds):
        raise SystemExit(f"--pg-server: expected durable and/or fast, got {args.pg_server!r}")
    counts = intake_workers(args.intake_workers)
    with ExitStack() as stack:
        servers = []
        for kind in [] if args.no_postgres else kinds:
            server = start_postgres(stack, kind)
            if server is None:
                break
            servers.append(server)
        for clients in client_counts(str(args.clients)):
            runs: list[tuple[str, int, str, int | None]] = [
                ("sqlite", 1, f"sqlite:///{directory / f'intake-{clients}.sqlite3'}", None)
            ]
            for server in servers:
                label = f"postgresql {server.kind}"
                runs += [(label, n, server.fresh(), server.postmaster) for n in counts]
            results = [_run_one(args, clients, *run) for run in runs]
            print(
                f"({clients} concurrent clients; goal ≥ 500/s on SQLite, more on PostgreSQL; "
                "SQLite commits with fsync (synchronous=FULL); PostgreSQL 'durable' commits "
                "with fsync and synchronous_commit on, 'fast' with both off)"
            )
            for result in results[1:]:  # measured in this run: the ratio compares like with like
                print(
                    f"intake {clients} clients, {result.label} x{result.processes} / sqlite x1: "
                    f"{result.per_second / results[0].per_second:.2f}"
                )
    return 0


def _run_one(
    args: argparse.Namespace,
    clients: int,
    label: str,
    processes: int,
    url: str,
    postmaster: int | None,
) -> IntakeResult:
    hubs = [start_hub(url)]
    try:
        hubs += [start_hub(url, like=hubs[0]) for _ in range(processes - 1)]
        result = intake(hubs, label, args.intake, clients, postmaster)
    finally:
        for hub in hubs:
            hub.stop()
    print(result.line(), flush=True)
    return result


def client_counts(text: str) -> list[int]:
    counts = [int(n) for n in text.split(",") if n.strip()]
    if not counts or any(n < 1 for n in counts):
        raise SystemExit(f"--clients: expected counts of 1 or more, got {text!r}")
    return counts


def intake_workers(text: str) -> list[int]:
    counts = [int(n) for n in text.split(",") if n.strip()]
    if any(n < 1 for n in counts):
        raise SystemExit(f"--intake-workers: expected counts of 1 or more, got {text!r}")
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks intake")
    add_arguments(parser)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; loopback only")
    with tempfile.TemporaryDirectory(prefix="cxsidebar-intake-") as directory:
        return run(args, Path(directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
