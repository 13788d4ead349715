"""RatingSync: batching, idempotency keys, backoff, Retry-After, sign-out and dead letters.

The store is real (a StoreThread on tmp_path); the hub is an httpx.MockTransport;
the clock is fake, so backoff and Retry-After are checked without any waiting.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cx_support import rating

from cxsidebar.client import Backoff, HubClient, RatingSync
from cxsidebar.core import Rating, SyncState
from cxsidebar.store import LocalStore, StoreThread


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def st(tmp_path: Path, clock: Clock) -> Iterator[StoreThread]:
    store = StoreThread(tmp_path / "sidebar.sqlite3", clock=clock).start()
    yield store
    store.close()


class Hub:
    """A scripted POST /v1/ratings: each call answers with the next handler (the last repeats)."""

    def __init__(self, *answers: Callable[[list[dict[str, Any]]], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, list[dict[str, Any]]]] = []
        self.called = asyncio.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        ratings = json.loads(request.content)["ratings"]
        self.requests.append((request.headers["idempotency-key"], ratings))
        self.called.set()
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(ratings)

    def sizes(self) -> list[int]:
        return [len(r) for _, r in self.requests]


def created(ratings: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(
        200, json={"results": [{"id": r["id"], "status": "created"} for r in ratings]}
    )


def refused(ratings: list[dict[str, Any]]) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


def status(code: int, retry_after: str | None = None) -> Callable[..., httpx.Response]:
    def answer(ratings: list[dict[str, Any]]) -> httpx.Response:
        headers = {"Retry-After": retry_after} if retry_after else {}
        body = {"error": {"code": "busy", "message": f"status {code}"}}
        return httpx.Response(code, json=body, headers=headers)

    return answer


Scenario = Callable[[RatingSync, Hub, list[SyncState]], Coroutine[Any, Any, None]]


def run(
    st: StoreThread, clock: Clock, hub: Hub, scenario: Scenario, **kwargs: Any
) -> list[SyncState]:
    reports: list[SyncState] = []

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(hub)) as http:
            client = HubClient("http://hub.test", "tok", http=http)
            kwargs.setdefault("backoff", Backoff(1.0, 300.0, "full", random.Random(3)))
            sync = RatingSync(st, client, reports.append, clock=clock, **kwargs)
            await asyncio.wait_for(scenario(sync, hub, reports), 10)

    asyncio.run(main())
    return reports


def save(st: StoreThread, *ratings: Rating) -> None:
    for r in ratings:
        st.submit(LocalStore.save_rating, r).result(10)


def state(st: StoreThread) -> SyncState:
    return st.submit(LocalStore.sync_state).result(10)


def test_the_outbox_drains_in_batches_of_at_most_100(st: StoreThread, clock: Clock) -> None:
    save(st, *(rating(f"esc-{n}") for n in range(250)))
    hub = Hub(created)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        assert await sync.sync_once() is None

    reports = run(st, clock, hub, scenario)
    assert hub.sizes() == [100, 100, 50]
    assert len({key for key, _ in hub.requests}) == 3
    assert state(st) == SyncState(unsynced=0)
    assert reports[-1] == SyncState(unsynced=0, rejected=0, detail="")


def test_a_transport_error_backs_off_and_resends_the_same_batch(
    st: StoreThread, clock: Clock
) -> None:
    save(st, rating("esc-1"), rating("esc-2"))
    hub = Hub(refused, refused, created)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        first = await sync.sync_once()
        assert first is not None
        assert 0.0 <= first <= 1.0  # full jitter, attempt 0: [0, base]
        assert reports[-1].unsynced == 2
        assert reports[-1].detail.startswith("hub unreachable: connection refused, retrying in")
        assert await sync.sync_once() == pytest.approx(first, abs=1e-3)  # not due: nothing sent
        assert len(hub.requests) == 1

        clock.advance(first)
        second = await sync.sync_once()
        assert second is not None
        assert 0.0 <= second <= 2.0  # attempt 1: [0, twice the base]
        clock.advance(second)
        assert await sync.sync_once() is None

    reports = run(st, clock, hub, scenario)
    keys = {key for key, _ in hub.requests}
    bodies = [body for _, body in hub.requests]
    assert len(hub.requests) == 3
    assert len(keys) == 1  # one Idempotency-Key for every try of the batch
    assert bodies[0] == bodies[1] == bodies[2]
    assert reports[-1] == SyncState(unsynced=0)


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_is_honoured(st: StoreThread, clock: Clock, code: int) -> None:
    save(st, rating())
    hub = Hub(status(code, "7"))

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        assert await sync.sync_once() == 7.0
        assert reports[-1].detail == f"hub answered {code}: status {code}, retrying in 7 s"
        due = await asyncio.wrap_future(st.submit(LocalStore.next_due_at))
        assert due == clock() + timedelta(seconds=7)

    run(st, clock, hub, scenario)


def test_a_server_error_backs_off_like_a_transport_error(st: StoreThread, clock: Clock) -> None:
    save(st, rating())
    hub = Hub(status(500, "7"))  # Retry-After only counts on 429 and 503

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        delay = await sync.sync_once()
        assert delay is not None
        assert 0.0 <= delay <= 1.0
        assert reports[-1] == SyncState(unsynced=1, detail=reports[-1].detail)
        assert "hub answered 500" in reports[-1].detail

    run(st, clock, hub, scenario)


@pytest.mark.parametrize("code", [401, 403])
def test_a_refused_token_stops_the_sync(st: StoreThread, clock: Clock, code: int) -> None:
    save(st, rating())
    hub = Hub(status(code))

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        await sync.run()  # returns by itself
        assert sync.signed_out

    reports = run(st, clock, hub, scenario, period=3600)
    assert len(hub.requests) == 1
    assert reports[-1].unsynced == 1
    assert reports[-1].detail.startswith("signed out: the hub refused the token")


def test_rejected_ratings_become_dead_letters(st: StoreThread, clock: Clock) -> None:
    good, bad = rating("esc-1"), rating("esc-404")
    save(st, good, bad)

    def answer(ratings: list[dict[str, Any]]) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "results": [
                    {"id": str(good.id), "status": "duplicate"},
                    {"id": str(bad.id), "status": "rejected", "reason": "unknown escalation"},
                ]
            },
        )

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        assert await sync.sync_once() is None

    reports = run(st, clock, Hub(answer), scenario)
    assert reports[-1] == SyncState(unsynced=0, rejected=1)
    assert st.submit(LocalStore.rejected).result(10) == [(bad, "unknown escalation")]


def test_a_refused_batch_is_split_so_only_the_bad_rating_is_dead(
    st: StoreThread, clock: Clock
) -> None:
    ratings = [rating(f"esc-{n}") for n in range(3)]
    bad = str(ratings[1].id)
    save(st, *ratings)

    def answer(sent: list[dict[str, Any]]) -> httpx.Response:
        if any(r["id"] == bad for r in sent):
            body = {"error": {"code": "validation_error", "message": "escalation is closed"}}
            return httpx.Response(422, json=body)
        return created(sent)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        assert await sync.sync_once() is None

    hub = Hub(answer)
    reports = run(st, clock, hub, scenario)
    assert hub.sizes() == [3, 1, 1, 1]
    assert len({key for key, _ in hub.requests}) == 4
    assert reports[-1] == SyncState(unsynced=0, rejected=1)
    assert st.submit(LocalStore.rejected).result(10) == [
        (ratings[1], "hub answered 422: escalation is closed")
    ]


def test_a_rating_the_hub_did_not_answer_for_is_retried(st: StoreThread, clock: Clock) -> None:
    first, second = rating("esc-1"), rating("esc-2")
    save(st, first, second)

    def partial(ratings: list[dict[str, Any]]) -> httpx.Response:
        return httpx.Response(200, json={"results": [{"id": str(first.id), "status": "created"}]})

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        delay = await sync.sync_once()
        assert delay is not None
        assert reports[-1].unsynced == 1
        assert reports[-1].detail.startswith("the hub did not answer for 1 rating(s)")
        clock.advance(delay)
        assert await sync.sync_once() is None

    hub = Hub(partial, created)
    reports = run(st, clock, hub, scenario)
    assert [[r["id"] for r in body] for _, body in hub.requests] == [
        [str(first.id), str(second.id)],
        [str(second.id)],
    ]
    assert hub.requests[0][0] != hub.requests[1][0]  # a different batch, a different key
    assert reports[-1] == SyncState(unsynced=0)


def test_a_success_sends_the_held_back_ratings_at_once(st: StoreThread, clock: Clock) -> None:
    held, fresh = rating("esc-1"), rating("esc-2")
    save(st, held)
    st.submit(LocalStore.defer, [held.id], clock() + timedelta(hours=1), "down").result(10)
    save(st, fresh)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        assert await sync.sync_once() is None

    hub = Hub(created)
    run(st, clock, hub, scenario)
    assert [[r["id"] for r in body] for _, body in hub.requests] == [
        [str(fresh.id)],
        [str(held.id)],
    ]
    assert state(st) == SyncState(unsynced=0)


def test_run_syncs_at_start_and_when_woken(st: StoreThread, clock: Clock) -> None:
    save(st, rating("esc-1"))
    later = rating("esc-2")

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        task = asyncio.create_task(sync.run())
        await asyncio.wait_for(hub.called.wait(), 5)
        hub.called.clear()
        await asyncio.wrap_future(st.submit(LocalStore.save_rating, later))
        sync.wake()  # the period is an hour: only the wake can send it now
        await asyncio.wait_for(hub.called.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    hub = Hub(created)
    run(st, clock, hub, scenario, period=3600)
    assert [body[0]["escalation_id"] for _, body in hub.requests] == ["esc-1", "esc-2"]


def test_batch_size_is_bounded() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        RatingSync(None, None, print, batch_size=501)  # type: ignore[arg-type]


def test_a_failing_local_database_does_not_stop_the_sync(st: StoreThread, clock: Clock) -> None:
    save(st, rating("esc-1"))
    st.submit(lambda store: store.db.execute("PRAGMA query_only = ON")).result(10)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        task = asyncio.create_task(sync.run())
        # Polls bounded by the scenario's 10 s timeout: reports is a plain list.
        while not any("local database" in r.detail for r in reports):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        assert "readonly" in reports[-1].detail
        await asyncio.wrap_future(
            st.submit(lambda store: store.db.execute("PRAGMA query_only = OFF"))
        )
        sync.wake()
        await asyncio.wait_for(hub.called.wait(), 5)
        while not reports or reports[-1] != SyncState(unsynced=0):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    hub = Hub(created)
    run(st, clock, hub, scenario, period=3600, backoff=Backoff(0.01, 0.02, "full"))
    assert [body[0]["escalation_id"] for _, body in hub.requests] == ["esc-1"]


def test_concurrent_batches_are_disjoint_and_all_arrive_once(st: StoreThread, clock: Clock) -> None:
    ratings = [rating(f"esc-{n}") for n in range(250)]
    save(st, *ratings)
    hub = Hub(created)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        assert await sync.sync_once() is None

    run(st, clock, hub, scenario, batch_size=40, concurrency=3)
    sent = [r["id"] for _, body in hub.requests for r in body]
    assert sorted(sent) == sorted(str(r.id) for r in ratings)  # each exactly once
    assert max(hub.sizes()) == 40
    assert len({key for key, _ in hub.requests}) == len(hub.requests)
    assert state(st) == SyncState(unsynced=0)


def test_a_round_where_one_batch_fails_goes_on_with_the_rest(st: StoreThread, clock: Clock) -> None:
    save(st, *(rating(f"esc-{n}") for n in range(4)))
    hub = Hub(refused, created)

    async def scenario(sync: RatingSync, hub: Hub, reports: list[SyncState]) -> None:
        await sync.sync_once()

    run(st, clock, hub, scenario, batch_size=2, concurrency=2)
    assert state(st) == SyncState(unsynced=0)  # the refused batch was released and resent
    assert len(hub.requests) == 3


def test_concurrency_is_bounded() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        RatingSync(None, None, print, concurrency=0)  # type: ignore[arg-type]
