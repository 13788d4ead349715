"""Several hub processes on one PostgreSQL database: fan-out through LISTEN/NOTIFY,
replay from the shared events table, and a listener that survives a dropped connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.hub import HubProcess, escalation_body, open_stream, post_escalation, wait_for
from support.postgres import terminate_listeners

from cxsidebar.core import Escalation
from cxsidebar.hub import open_storage

pytestmark = pytest.mark.postgresql

# Long, so an event that arrives within the 5 s read deadline was pushed by
# NOTIFY, not found by the stream's heartbeat re-read of the table.
NO_POLLING = 30.0


@pytest.fixture
def workers(hub_factory, tmp_path):
    """Two hub processes on one fresh PostgreSQL database: (seeded first, second)."""
    first = hub_factory("first", db="postgresql", heartbeat=NO_POLLING)
    second = HubProcess(
        first.db_url, heartbeat=NO_POLLING, log_path=tmp_path / "second.log"
    ).start()
    yield first, second
    second.stop()


def post(hub, url: str, escalation_id: str) -> int:
    """Post a signed escalation to the hub at `url` (either worker); returns its event id."""
    response = post_escalation(url, hub.source_secret, escalation_body(escalation_id))
    assert response.status_code == 202, response.text
    return int(response.json()["event_id"])


def test_an_escalation_posted_to_one_worker_reaches_a_subscriber_of_the_other(workers):
    first, second = workers
    with open_stream(second.url, first.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        event_id = post(first, first.url, "esc-1")
        [event] = stream.events(1)
    assert event.event == "escalation.created"
    assert int(event.id) == event_id


def test_reconnecting_to_the_other_worker_misses_nothing_and_repeats_nothing(workers):
    first, second = workers
    with open_stream(first.url, first.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        before = [post(first, first.url, "a"), post(first, second.url, "b")]
        received = stream.events(2)
    assert [int(e.id) for e in received] == before
    # Disconnected: both workers take escalations meanwhile.
    missed = [post(first, second.url, "c"), post(first, first.url, "d")]
    with open_stream(second.url, first.agent_token, last_event_id=before[-1]) as stream:
        replayed = stream.events(2)
        live = post(first, first.url, "e")
        stream.events(1)
    assert [int(e.id) for e in replayed] == missed
    assert stream.seen.ids == [*missed, live]
    assert "resync" not in stream.seen.types


def test_concurrent_posts_to_both_workers_reach_every_subscriber_once_in_order(workers):
    first, second = workers
    count = 12
    with (
        open_stream(first.url, first.agent_token) as on_first,
        open_stream(second.url, first.agent_token) as on_second,
    ):
        for stream in (on_first, on_second):
            stream.read_until(lambda seen: seen.retries)
        targets = [first.url if n % 2 else second.url for n in range(count)]
        with ThreadPoolExecutor(4) as pool:
            answered = list(pool.map(post, [first] * count, targets, map(str, range(count))))
        on_first.events(count, timeout=10)
        on_second.events(count, timeout=10)
    assert on_first.seen.ids == on_second.seen.ids == sorted(answered)
    assert len(set(answered)) == count


def test_a_dropped_listener_reconnects_and_the_stream_still_gets_events(workers, postgres):
    first, second = workers
    with open_stream(second.url, first.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        assert terminate_listeners(postgres.admin_url, first.db_url) == 2  # one per worker
        # Posted while the second worker may still be reconnecting: it re-reads the
        # table once LISTEN is back, so the event still comes well before a heartbeat.
        event_id = post(first, first.url, "after-drop")
        [event] = stream.events(1)
        assert int(event.id) == event_id
        wait_for(lambda: _listening(postgres.admin_url, first.db_url) == 2, timeout=10)
        later = post(first, first.url, "later")
        [event] = stream.events(1)
    assert int(event.id) == later
    assert "lost its connection" in second.log_text()


def test_the_storage_listener_wakes_on_a_drop_and_hears_other_processes(pg_url, postgres):
    storage = open_storage(pg_url)
    writer = open_storage(pg_url)  # another "process": its commits reach us only by NOTIFY
    try:
        heard = threading.Semaphore(0)
        storage.add_commit_listener(heard.release)
        assert terminate_listeners(postgres.admin_url, pg_url) == 1
        assert heard.acquire(timeout=10)  # woken at the drop, so streams re-read the table
        listener = storage.listener  # type: ignore[attr-defined]
        wait_for(lambda: listener.reconnects == 1 and listener.wait_listening(0), timeout=10)
        while heard.acquire(timeout=0):  # the wakes of the drop and the reconnect
            pass
        writer.accept_escalation(Escalation.model_validate(escalation_body("esc-1")), "m-1")
        assert heard.acquire(timeout=5)
    finally:
        writer.close()
        storage.close()


def _listening(admin_url: str, db_url: str) -> int:
    import psycopg

    name = db_url.rpartition("/")[2]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'cxsidebar-listen' AND query LIKE 'LISTEN%%'",
            [name],
        ).fetchone()
    return int(row[0]) if row else 0
