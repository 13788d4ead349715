"""Fault test 4: a hypothesis state machine over rate / edit / offline / online / restart hub /
kill sidebar. However the steps interleave, once the link is back the hub's current ratings
are exactly the sidebar's committed ratings, each escalation has one current rating, and
nothing is rejected.

The hub is the real app on a real uvicorn (in a thread, so a restart takes a moment, not
seconds) over a SQLite file that survives restarts; the sidebar is the real NetworkWorker
and store, reaching the hub through the fault proxy (offline: every connection is cut and
new ones are reset). "Kill" abandons the store's connection without closing it and opens
the file again, as a new process after a crash would. Bounded: derandomized examples, few
steps, loopback only.
"""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cx_faultproxy import FaultProxy
from cx_faults_support import Recorder
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support.hub import escalation_body, signed

from cxsidebar.client import NetworkWorker, Tuning
from cxsidebar.core import Rating
from cxsidebar.demo.hubthread import HubThread, free_port
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.storage import HubStorage, open_storage
from cxsidebar.store import LocalStore, StoreThread

# See conftest.py: sockets cut mid-request may be left to the garbage collector.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

FAST = Tuning(
    heartbeat=0.2,
    connect_timeout=0.5,
    request_timeout=1.0,
    reconnect_base=0.02,
    reconnect_cap=0.1,
    sync_base=0.02,
    sync_cap=0.1,
    sync_period=0.2,
    batch_size=3,
    seed=5,
    stop_timeout=5.0,
)
ESCALATIONS = 3  # per example: few, so edits and supersedes happen often


class Hub:
    """The hub over one SQLite file, restartable on one port."""

    def __init__(self, directory: Path) -> None:
        self.url_db = f"sqlite:///{directory / 'hub.sqlite3'}"
        self.path = directory / "hub.sqlite3"
        self.port = free_port()
        storage = open_storage(self.url_db)
        self.secret = storage.add_source("bot")
        self.token = storage.create_token("agent", "Alice")
        storage.close()
        self._storage: HubStorage | None = None
        self._thread: HubThread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._storage = open_storage(self.url_db)
        settings = HubSettings(heartbeat_seconds=0.2, shutdown_retry_ms=20)
        self._thread = HubThread(self._storage, settings=settings, port=self.port).start()

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
        if self._storage is not None:
            self._storage.close()
            self._storage = None

    def escalate(self, escalation_id: str) -> None:
        raw, headers = signed(self.secret, escalation_body(escalation_id))
        answer = httpx.post(f"{self.url}/v1/escalations", content=raw, headers=headers, timeout=5)
        assert answer.status_code == 202, answer.text

    def ratings(self, escalations: set[str]) -> list[Rating]:
        with sqlite3.connect(self.path) as db:
            rows = db.execute("SELECT body FROM ratings").fetchall()
        found = [Rating.model_validate_json(body) for (body,) in rows]
        return [r for r in found if r.escalation_id in escalations]


@dataclass
class World:
    hub: Hub
    proxy: FaultProxy
    directory: Path
    examples: Iterator[int] = field(default_factory=itertools.count)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    hub = Hub(tmp_path)
    hub.start()
    proxy = FaultProxy(hub.port).start()
    try:
        yield World(hub, proxy, tmp_path)
    finally:
        proxy.stop()
        hub.stop()


class RatingsMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        number = next(world.examples)
        self.escalations = [f"ex{number}-esc-{n}" for n in range(ESCALATIONS)]
        for escalation_id in self.escalations:
            world.hub.escalate(escalation_id)
        self.db = world.directory / f"sidebar-{number}.sqlite3"
        self.committed: dict[str, uuid.UUID] = {}  # what the sidebar acknowledged, per escalation
        self.online = True
        self.hub_up = True
        self.abandoned: list[StoreThread] = []
        self.recorder = Recorder()
        self.store = StoreThread(self.db).start()
        self.worker = self._start_worker()

    def _start_worker(self) -> NetworkWorker:
        self.recorder = Recorder()
        worker = NetworkWorker(
            self.recorder,
            hub_url=self.world.proxy.url,
            token=self.world.hub.token,
            store=self.store,
            tuning=FAST,
        )
        worker.start()
        return worker

    # -- rules ----------------------------------------------------------------------------

    def _save(self, escalation_id: str, overall: int) -> None:
        rating = Rating(escalation_id=escalation_id, created_at=datetime.now(UTC), overall=overall)
        self.worker.save_rating(rating).result(10)
        self.recorder.wait_until(lambda: rating.id in self.recorder.saved, what="the commit")
        self.committed[escalation_id] = rating.id

    @initialize(which=st.integers(0, ESCALATIONS - 1), overall=st.integers(1, 5))
    def first_rating(self, which: int, overall: int) -> None:
        self._save(self.escalations[which], overall)

    @rule(which=st.integers(0, ESCALATIONS - 1), overall=st.integers(1, 5))
    def rate(self, which: int, overall: int) -> None:
        self._save(self.escalations[which], overall)

    @precondition(lambda self: bool(self.committed))
    @rule(data=st.data(), overall=st.integers(1, 5))
    def edit(self, data: st.DataObject, overall: int) -> None:
        escalation_id = data.draw(st.sampled_from(sorted(self.committed)))
        self._save(escalation_id, overall)

    @precondition(lambda self: self.online)
    @rule()
    def go_offline(self) -> None:
        self.world.proxy.plan = lambda n: "reset"
        self.world.proxy.cut()
        self.online = False

    @precondition(lambda self: not self.online)
    @rule()
    def come_online(self) -> None:
        self.world.proxy.plan = lambda n: "pass"
        self.online = True

    @rule()
    def restart_hub(self) -> None:
        self.world.hub.stop()
        self.world.hub.start()

    @rule()
    def kill_sidebar(self) -> None:
        """The process dies: the worker is gone, the store's connection is never closed."""
        self.worker.stop()
        self.abandoned.append(self.store)  # closed only at teardown, never used again
        self.store = StoreThread(self.db).start()
        self.worker = self._start_worker()

    @invariant()
    def the_sidebar_keeps_one_current_rating_per_escalation(self) -> None:
        current = self.store.submit(LocalStore.current).result(10)
        assert {e: r.id for e, r in current.items()} == self.committed

    # -- the end: back online, drained, compared ------------------------------------------

    def teardown(self) -> None:
        try:
            if not self.online:
                self.come_online()
            self.recorder.wait_until(
                lambda: self.recorder.sync is not None and self.recorder.sync.unsynced == 0,
                timeout=20,
                what="the outbox to drain",
            )
            assert self.recorder.sync is not None
            assert self.recorder.sync.rejected == 0
            assert self.store.submit(LocalStore.rejected).result(10) == []
            self._check_the_hub()
        finally:
            self.worker.stop()
            self.store.close()
            for store in self.abandoned:
                store.close()

    def _check_the_hub(self) -> None:
        ratings = self.world.hub.ratings(set(self.escalations))
        ids = [r.id for r in ratings]
        assert len(ids) == len(set(ids)), "a rating stored twice"
        superseded = {r.supersedes for r in ratings if r.supersedes is not None}
        heads = {}
        for rating in ratings:
            if rating.id not in superseded:
                assert rating.escalation_id not in heads, "two current ratings"
                heads[rating.escalation_id] = rating.id
        assert heads == self.committed
        local = self.store.submit(LocalStore.current).result(10)
        assert {e: r.id for e, r in local.items()} == heads


def test_the_hub_ends_with_the_sidebars_committed_ratings(world: World) -> None:
    run_state_machine_as_test(
        lambda: RatingsMachine(world),
        settings=settings(
            max_examples=20,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
