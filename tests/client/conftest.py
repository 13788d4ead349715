"""Client test fixtures: no leaked threads, a fake hub on a real uvicorn, a store thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cx_fakehub import FakeHub, ServedHub

from cxsidebar.store import StoreThread


@pytest.fixture(autouse=True)
def no_thread_leak() -> Iterator[None]:
    """Fail a test that leaves a thread running (after a bounded grace period)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before]
    for thread in left:
        thread.join(5)
    alive = [t.name for t in left if t.is_alive()]
    assert not alive, f"threads left behind: {alive}"


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def served(hub: FakeHub) -> Iterator[ServedHub]:
    server = ServedHub(hub)
    server.start()
    yield server
    if server.running:
        server.stop()


@pytest.fixture
def store_thread(tmp_path: Path) -> Iterator[StoreThread]:
    st = StoreThread(tmp_path / "sidebar.sqlite3").start()
    yield st
    st.close()
