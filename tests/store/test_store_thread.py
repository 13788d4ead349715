"""StoreThread: one thread owns the connection, runs every task in order, closes cleanly."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from cx_store_support import FakeClock, MakeRating

from cxsidebar.core import SyncState
from cxsidebar.store import LocalStore, StoreClosedError, StoreThread


def test_tasks_run_one_at_a_time_on_the_store_thread(
    db_path: Path, clock: FakeClock, make_rating: MakeRating
) -> None:
    ran_on: set[int | None] = set()
    active = 0
    overlapped = False
    guard = threading.Lock()

    def save(store: LocalStore, n: int) -> int:
        nonlocal active, overlapped
        with guard:
            active += 1
            overlapped |= active > 1
        ran_on.add(threading.get_ident())
        store.save_rating(make_rating(f"esc-{n}"))
        with guard:
            active -= 1
        return n

    with StoreThread(db_path, clock=clock) as st:
        futures: list[Future[int]] = []
        lock = threading.Lock()

        def producer(base: int) -> None:
            for n in range(base, base + 25):
                future = st.submit(save, n)
                with lock:
                    futures.append(future)

        producers = [threading.Thread(target=producer, args=(k * 100,)) for k in range(8)]
        for p in producers:
            p.start()
        for p in producers:
            p.join(10)
        results = sorted(f.result(10) for f in futures)
        state = st.submit(LocalStore.sync_state).result(10)

    assert len(results) == 200
    assert ran_on == {st.thread.ident}
    assert threading.get_ident() not in ran_on
    assert not overlapped
    assert state == SyncState(unsynced=200)


def test_a_task_error_reaches_its_future_and_the_thread_goes_on(db_path: Path) -> None:
    def boom(store: LocalStore) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with StoreThread(db_path) as st:
        with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
            st.submit(boom).result(10)
        assert st.submit(LocalStore.sync_state).result(10) == SyncState(unsynced=0)


def test_close_finishes_queued_work_then_joins(
    db_path: Path, clock: FakeClock, make_rating: MakeRating
) -> None:
    st = StoreThread(db_path, clock=clock).start()
    gate = threading.Event()
    first = st.submit(lambda store: gate.wait(10))
    queued = st.submit(LocalStore.save_rating, make_rating())
    gate.set()
    st.close(10)

    assert first.result(0) is True
    assert queued.done()
    assert queued.exception() is None
    assert not st.thread.is_alive()
    with pytest.raises(StoreClosedError):
        st.submit(LocalStore.sync_state)
    st.close(10)  # twice is fine

    reopened = LocalStore(db_path, clock=clock)
    try:
        assert reopened.sync_state() == SyncState(unsynced=1)
    finally:
        reopened.close()


def test_an_unopenable_path_fails_start_and_leaves_no_thread(tmp_path: Path) -> None:
    st = StoreThread(tmp_path)  # a directory, not a database file
    with pytest.raises(sqlite3.OperationalError):
        st.start(10)
    assert not st.thread.is_alive()
    with pytest.raises(StoreClosedError):
        st.submit(LocalStore.sync_state)


def test_the_connection_refuses_other_threads(db_path: Path) -> None:
    with StoreThread(db_path) as st:
        leaked = st.submit(lambda store: store).result(10)
        with pytest.raises(sqlite3.ProgrammingError, match="thread"):
            leaked.sync_state()
