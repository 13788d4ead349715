"""Coalescer: one run per key at a time, requests made meanwhile share the next run,
answers in the order asked; and the worker's context fetches use it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from cx_support import RecordingListener, context

from cxsidebar.client import NetworkWorker, Tuning
from cxsidebar.client._coalesce import Coalescer
from cxsidebar.core import Summary


def test_requests_during_a_run_share_one_later_run() -> None:
    async def scenario() -> tuple[list[str], list[bool], int]:
        coalescer = Coalescer()
        release = asyncio.Event()
        started: list[str] = []

        async def job() -> None:
            started.append(f"run {len(started) + 1}")
            if len(started) == 1:
                await release.wait()

        first = asyncio.create_task(coalescer.run("a", job))
        await asyncio.sleep(0)  # the first run starts and waits
        later = [asyncio.create_task(coalescer.run("a", job)) for _ in range(3)]
        await asyncio.sleep(0)
        assert started == ["run 1"]  # nothing overlaps the run in flight
        release.set()
        results = await asyncio.gather(first, *later)
        return started, results, len(coalescer)

    started, results, left = asyncio.run(scenario())
    assert started == ["run 1", "run 2"]  # three requests made during run 1 share run 2
    assert results == [True, True, False, False]
    assert left == 0  # nothing kept once idle


def test_keys_do_not_wait_for_each_other_and_a_failed_run_frees_the_key() -> None:
    async def scenario() -> list[str]:
        coalescer = Coalescer()
        release = asyncio.Event()
        seen: list[str] = []

        async def slow() -> None:
            await release.wait()
            seen.append("a")

        async def quick() -> None:
            seen.append("b")

        async def broken() -> None:
            raise RuntimeError("boom")

        task = asyncio.create_task(coalescer.run("a", slow))
        await asyncio.sleep(0)
        await coalescer.run("b", quick)  # not behind "a"
        try:
            await coalescer.run("c", broken)
        except RuntimeError:
            seen.append("c failed")
        await coalescer.run("c", quick)
        release.set()
        await task
        assert len(coalescer) == 0
        return seen

    assert asyncio.run(scenario()) == ["b", "c failed", "b", "a"]


def test_a_refetch_during_the_pop_fetch_is_shown_last(tmp_path: Path) -> None:
    """The pop's fetch is slow; a new summary asks again meanwhile: the newer answer
    must reach the listener after the older one, never before it."""
    old = context("esc-1").model_copy(update={"summary": None})
    new = context("esc-1").model_copy(update={"summary": Summary(kind="extractive", text="v1")})
    answers = [old, new]
    gets: list[str] = []
    first_in_flight = asyncio.Event()
    release_first = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/escalations/esc-1":
            return httpx.Response(503, json={"error": {"code": "internal_error", "message": "x"}})
        gets.append(request.url.path)
        answer = answers[len(gets) - 1]
        if len(gets) == 1:
            first_in_flight.set()
            await release_first.wait()
        return httpx.Response(200, content=answer.model_dump_json())

    listener = RecordingListener()
    worker = NetworkWorker(
        listener,
        hub_url="http://hub.test",
        token="tok",
        store=tmp_path / "sidebar.sqlite3",
        tuning=Tuning(reconnect_base=5.0, reconnect_cap=5.0, sync_period=3600.0, seed=1),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    worker.start()
    try:
        first = worker.fetch_context("esc-1")
        asyncio.run_coroutine_threadsafe(first_in_flight.wait(), worker_loop(worker)).result(5)
        second = worker.fetch_context("esc-1")  # the summary landed: ask again
        third = worker.fetch_context("esc-1")
        assert not second.done()
        worker_loop(worker).call_soon_threadsafe(release_first.set)
        for future in (first, second, third):
            future.result(5)
        assert listener.of("on_context") == [(old,), (new,)]
        assert len(gets) == 2  # the third request shared the second fetch
    finally:
        worker.stop()


def worker_loop(worker: NetworkWorker) -> asyncio.AbstractEventLoop:
    loop = worker._loop  # the test sets events that live on the worker's loop
    assert loop is not None
    return loop
