"""Ratings: save → durable commit, and a full outbox flushed to a real hub.

1. save → durable commit: the time from handing a rating to the store thread
   until it is committed (WAL, synchronous=FULL) with its outbox row, as the
   sidebar's "Saved" waits for it. On a local disk in a temporary directory.
2. outbox flush: 10,000 ratings saved while the hub was unreachable, then the
   real RatingSync drains them to a real hub process on 127.0.0.1 (SQLite),
   in batches, each with its Idempotency-Key; timed until every rating is
   accepted (the local outbox is empty).

Goals (issue 5): save p95 ≤ 10 ms; 10,000 ratings flushed ≤ 3 s. Figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks._hub import start_hub
from benchmarks.screen_pop import percentile, report
from cxsidebar.client import REQUEST_TIMEOUT, HubClient, RatingSync, Tuning
from cxsidebar.core import BotInfo, CustomerRef, Escalation, Rating, RatingParts
from cxsidebar.demo.hubthread import sqlite_url
from cxsidebar.hub.storage import open_storage
from cxsidebar.store import LocalStore, StoreThread

SAVE_GOAL_MS = 10.0
FLUSH_GOAL_S = 3.0


def _rating(escalation_id: str, n: int) -> Rating:
    return Rating(
        id=uuid.uuid4(),
        escalation_id=escalation_id,
        created_at=datetime.now(UTC),
        overall=1 + n % 5,
        parts=RatingParts(transcript=1 + n % 5, summary=None, profile=3, history=None),
        comment="benchmark rating" if n % 3 == 0 else "",
        first_action_ms=1200 + n % 700,
        rate_ms=4000 + n % 900,
    )


def bench_save(directory: Path, count: int) -> list[float]:
    """Seconds per save, through the store thread, on a fresh database."""
    seconds: list[float] = []
    with StoreThread(directory / "save.sqlite3") as store:
        for n in range(count):
            rating = _rating(f"esc-{n}", n)
            started = time.perf_counter()
            store.submit(LocalStore.save_rating, rating).result(30)
            seconds.append(time.perf_counter() - started)
    return seconds


def _seed_escalations(db_url: str, count: int) -> None:
    storage = open_storage(db_url)
    try:
        for n in range(count):
            escalation = Escalation(
                id=f"bench-{n}",
                queue="billing",
                channel="chat",
                created_at=datetime.now(UTC),
                bot=BotInfo(platform="bench", flow="refund"),
                customer=CustomerRef(id=f"cust-{n}"),
            )
            storage.accept_escalation(escalation, f"seed-{n}")
    finally:
        storage.close()


def _fill_outbox(path: Path, count: int) -> None:
    """`count` ratings in the outbox, committed in one transaction (set-up, not measured)."""
    store = LocalStore(path)
    try:
        with store.db.atomic():
            for n in range(count):
                store.save_rating(_rating(f"bench-{n}", n))
    finally:
        store.close()


async def _flush(
    url: str, token: str, store: StoreThread, batch_size: int, concurrency: int
) -> tuple[float, int]:
    requests: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        requests.append(request)

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, event_hooks={"request": [count]}) as http:
        client = HubClient(url, token, http=http)
        sync = RatingSync(
            store, client, lambda state: None, batch_size=batch_size, concurrency=concurrency
        )
        started = time.perf_counter()
        await sync.sync_once()
        took = time.perf_counter() - started
    state = await asyncio.wrap_future(store.submit(LocalStore.sync_state))
    if state.unsynced or state.rejected:
        raise RuntimeError(f"the outbox did not drain: {state}")
    return took, len(requests)


def bench_flush(
    directory: Path, count: int, batch_size: int, concurrency: int
) -> tuple[float, int]:
    db_url = sqlite_url(directory / "hub.sqlite3")
    print(f"seeding {count} escalations into the hub's database…", flush=True)
    _seed_escalations(db_url, count)
    hub = start_hub(directory)
    try:
        _fill_outbox(directory / "flush.sqlite3", count)
        with StoreThread(directory / "flush.sqlite3") as store:
            return asyncio.run(_flush(hub.url, hub.token, store, batch_size, concurrency))
    finally:
        hub.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks ratings", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--saves", type=int, default=1000, help="ratings saved one by one")
    parser.add_argument("--ratings", type=int, default=10_000, help="ratings in the outbox")
    parser.add_argument(
        "--batch-size", type=int, default=Tuning().batch_size, help="ratings per request"
    )
    parser.add_argument(
        "--concurrency", type=int, default=Tuning().sync_concurrency, help="requests in flight"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cx-bench-ratings-") as tmp:
        directory = Path(tmp)
        saves = bench_save(directory, args.saves)
        report("rating save → durable commit", saves)
        p95 = percentile([s * 1000 for s in saves], 0.95)
        took, requests = bench_flush(directory, args.ratings, args.batch_size, args.concurrency)
    print(
        f"{args.ratings} queued ratings flushed to the hub: {took:.2f} s"
        f" in {requests} requests of ≤ {args.batch_size}, {args.concurrency} in flight"
        f" ({args.ratings / took:,.0f} ratings/s)"
    )
    save_ok, flush_ok = p95 <= SAVE_GOAL_MS, took <= FLUSH_GOAL_S
    print(
        f"goal: save p95 ≤ {SAVE_GOAL_MS:.0f} ms: {'met' if save_ok else 'MISSED'} ({p95:.1f} ms)"
    )
    print(f"goal: flush ≤ {FLUSH_GOAL_S:.0f} s: {'met' if flush_ok else 'MISSED'} ({took:.2f} s)")
    return 0
