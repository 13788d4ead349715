"""The ratings sync under faults, on a real hub and the real network worker and store.

Every rating the sidebar committed reaches the hub exactly once: after the hub
was down for the whole session, after an answer was lost once the hub had
committed the batch, and through a proxy that delays, resets, half-opens and
drops connections.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cx_faultproxy import FaultProxy
from cx_faults_support import Recorder, hub_ratings
from support.hub import escalation_body

from cxsidebar.client import NetworkWorker, Tuning
from cxsidebar.core import Rating

# See conftest.py: sockets cut mid-request may be left to the garbage collector.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

FAST = Tuning(
    heartbeat=0.2,
    connect_timeout=1.0,
    request_timeout=2.0,
    reconnect_base=0.05,
    reconnect_cap=0.3,
    sync_base=0.05,
    sync_cap=0.3,
    sync_period=0.5,
    batch_size=7,
    seed=3,
)


def rating(escalation_id: str, overall: int = 4) -> Rating:
    return Rating(escalation_id=escalation_id, created_at=datetime.now(UTC), overall=overall)


@pytest.fixture
def worker_factory(tmp_path):
    made: list[NetworkWorker] = []

    def make(url: str, token: str, recorder: Recorder) -> NetworkWorker:
        worker = NetworkWorker(
            recorder, hub_url=url, token=token, store=tmp_path / "sidebar.sqlite3", tuning=FAST
        )
        worker.start()
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop()


def post_escalations(hub, count: int) -> list[str]:
    ids = [f"esc-{n}" for n in range(count)]
    for escalation_id in ids:
        assert hub.post(escalation_body(escalation_id)).status_code == 202
    return ids


def test_hub_down_for_the_whole_session_then_back(hub_factory, worker_factory):
    hub = hub_factory()
    ids = post_escalations(hub, 20)
    hub.stop()

    recorder = Recorder()
    worker = worker_factory(hub.url, hub.agent_token, recorder)
    ratings = [rating(i, overall=1 + n % 5) for n, i in enumerate(ids)]
    for r in ratings:
        worker.save_rating(r).result(10)
    recorder.wait_until(lambda: len(recorder.saved) == 20, what="20 local commits")
    recorder.wait_until(lambda: recorder.sync is not None and recorder.sync.unsynced == 20)

    hub.start()
    recorder.wait_until(lambda: recorder.sync.unsynced == 0, what="the outbox to drain")
    assert hub_ratings(hub.db_url) == sorted((str(r.id), r.escalation_id) for r in ratings)


def test_an_answer_lost_after_the_hub_committed_creates_no_duplicates(hub_factory, worker_factory):
    hub = hub_factory()
    ids = post_escalations(hub, 5)
    proxy = FaultProxy(hub.port, lambda n: "drop_ratings_answer", on_dropped=hub.kill).start()
    try:
        recorder = Recorder()
        worker = worker_factory(proxy.url, hub.agent_token, recorder)
        ratings = [rating(i) for i in ids]
        for r in ratings:
            worker.save_rating(r).result(10)
        recorder.wait_until(lambda: proxy.dropped_answers == 1, what="the lost answer")
        committed = hub_ratings(hub.db_url)
        assert committed, "the hub had committed the batch before its answer was lost"
        hub.start()  # the same port and database
        recorder.wait_until(lambda: recorder.sync is not None and recorder.sync.unsynced == 0)
    finally:
        proxy.stop()
    assert hub_ratings(hub.db_url) == sorted((str(r.id), r.escalation_id) for r in ratings)


@pytest.mark.parametrize(
    "plan",
    [
        ["reset", "blackhole", "drop_ratings_answer", "delay"],
        ["blackhole", "drop_ratings_answer", "reset", "reset", "delay"],
        ["drop_ratings_answer", "reset", "blackhole", "delay"],
    ],
    ids=["reset-first", "blackhole-first", "lost-answer-first"],
)
def test_a_flaky_network_loses_no_event_and_no_rating(hub_factory, worker_factory, plan):
    hub = hub_factory()
    # Each fault but "delay" kills its connection, so the client must open the next
    # one; once the plan is used up the network heals.
    proxy = FaultProxy(hub.port, lambda n: plan[n] if n < len(plan) else "pass", drop_limit=2)
    proxy.start()
    try:
        recorder = Recorder()
        worker = worker_factory(proxy.url, hub.agent_token, recorder)
        ids = post_escalations(hub, 10)
        ratings = [rating(i) for i in ids]
        for r in ratings:
            worker.save_rating(r).result(10)
        recorder.wait_until(lambda: recorder.seen_ids() == set(ids), what="every escalation")
        recorder.wait_until(lambda: recorder.sync is not None and recorder.sync.unsynced == 0)
    finally:
        proxy.stop()
    assert proxy.faults[: len(plan)] == plan  # every planned fault really happened
    created = recorder.created_ids()
    assert len(created) == len(set(created)), "an event was delivered twice"
    assert hub_ratings(hub.db_url) == sorted((str(r.id), r.escalation_id) for r in ratings)
