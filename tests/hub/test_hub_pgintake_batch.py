"""Batch-level intake (sql_intake.py): a group of deliveries is answered as if stored one
after the other, and event ids handed out a group at a time still become visible in id
order, across hub processes sharing one PostgreSQL database."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from support.hub import HubProcess, escalation_body, open_stream, post_escalation, wait_for

from cxsidebar.core import Escalation, EscalationAccepted
from cxsidebar.hub import open_storage
from cxsidebar.hub.sql_intake import Intake, accept_batch
from cxsidebar.hub.storage import ConflictError, HubStorage


def intake(escalation_id: str, webhook_id: str, **extra: Any) -> Intake:
    return Intake.of(Escalation.model_validate(escalation_body(escalation_id, **extra)), webhook_id)


def test_one_batch_is_answered_as_if_one_delivery_after_the_other(storage: HubStorage) -> None:
    before = storage.accept_escalation(intake("esc-0", "msg-0").escalation, "msg-0")
    batch = [
        intake("esc-1", "msg-1"),  # new
        intake("esc-1", "msg-1"),  # the same delivery again
        intake("esc-1", "msg-2"),  # the same escalation under a new webhook-id
        intake("esc-1", "msg-3", channel="email"),  # the same id, another body
        intake("esc-2", "msg-1"),  # a used webhook-id, another body
        intake("esc-2", "msg-4"),  # new
        intake("esc-0", "msg-5"),  # stored before, under a new webhook-id
        intake("esc-0", "msg-0"),  # stored before, the same delivery
    ]
    with storage._engine.writing() as tx:  # type: ignore[attr-defined]
        results = accept_batch(tx, batch)
    first = EscalationAccepted(id="esc-1", event_id=before.event_id + 1)
    second = EscalationAccepted(id="esc-2", event_id=before.event_id + 2)
    assert results[:3] == [(first, True), (first, False), (first, False)]
    assert isinstance(results[3], ConflictError)
    assert "different body" in str(results[3])
    assert isinstance(results[4], ConflictError)
    assert "webhook-id 'msg-1'" in str(results[4])
    assert results[5:] == [(second, True), (before, False), (before, False)]
    events = storage.events_after(0, None, 10)
    assert [(e.id, e.escalation_id) for e in events] == [
        (before.event_id, "esc-0"),
        (first.event_id, "esc-1"),
        (second.event_id, "esc-2"),
    ]
    # Each delivery was recorded once with its answer; the conflicts were not.
    assert storage.accept_escalation(batch[2].escalation, "msg-2") == first
    assert storage.accept_escalation(batch[6].escalation, "msg-5") == before
    with pytest.raises(ConflictError):
        storage.accept_escalation(batch[0].escalation, "msg-4")  # msg-4 carried esc-2
    with pytest.raises(ConflictError):
        storage.accept_escalation(batch[3].escalation, "msg-3")  # still another body


def test_a_failed_batch_stores_none_of_its_deliveries(storage: HubStorage) -> None:
    batch = [intake(f"esc-{n}", f"msg-{n}") for n in range(5)]

    def fail_after_writing() -> None:
        with storage._engine.writing() as tx:  # type: ignore[attr-defined]
            accept_batch(tx, batch)
            raise RuntimeError("after the writes")

    with pytest.raises(RuntimeError):
        fail_after_writing()
    assert storage.events_after(0, None, 10) == []
    assert storage.list_escalations(None, None) == []
    answers = [storage.accept_escalation(i.escalation, i.webhook_id) for i in batch]
    assert [a.event_id for a in answers] == [1, 2, 3, 4, 5]  # no id was burnt


@pytest.mark.postgresql
def test_concurrent_groups_of_two_processes_become_visible_in_id_order(pg_url: str) -> None:
    """A reader polling the table never sees an id before a smaller one: ids are given
    out in commit order, a group at a time, by two "processes" (storages) at once."""
    storages = [open_storage(pg_url), open_storage(pg_url)]
    seen: list[int] = []
    gaps: list[tuple[int, list[int]]] = []
    total = 400
    deadline = time.monotonic() + 60

    def poll() -> None:
        while len(seen) < total and time.monotonic() < deadline:
            rows = storages[0].events_after(seen[-1] if seen else 0, None, 1000)
            ids = [row.id for row in rows]
            expected = list(range(len(seen) + 1, len(seen) + 1 + len(ids)))
            if ids != expected:  # a later id visible before an earlier one
                gaps.append((len(seen), ids[:5]))
                return
            seen.extend(ids)

    try:
        poller = threading.Thread(target=poll)
        poller.start()

        def post(n: int) -> int:
            item = intake(f"esc-{n}", f"msg-{n}")
            return storages[n % 2].accept_escalation(item.escalation, item.webhook_id).event_id

        with ThreadPoolExecutor(16) as pool:
            answered = list(pool.map(post, range(total)))
        poller.join(60)
    finally:
        for storage in storages:
            storage.close()
    assert not poller.is_alive()
    assert gaps == []
    assert sorted(answered) == list(range(1, total + 1))
    assert seen == list(range(1, total + 1))


@pytest.mark.postgresql
def test_groups_on_two_workers_reach_every_subscriber_once_and_replay_misses_nothing(
    hub_factory, tmp_path
) -> None:
    first = hub_factory("first", db="postgresql", heartbeat=30.0)
    second = HubProcess(first.db_url, heartbeat=30.0, log_path=tmp_path / "second.log").start()
    count = 120
    try:
        with (
            open_stream(first.url, first.agent_token) as on_first,
            open_stream(second.url, first.agent_token) as on_second,
        ):
            for stream in (on_first, on_second):
                stream.read_until(lambda seen: seen.retries)

            def post(n: int) -> int:
                url = (first.url, second.url)[n % 2]
                response = post_escalation(url, first.source_secret, escalation_body(f"e-{n}"))
                assert response.status_code == 202, response.text
                return int(response.json()["event_id"])

            with ThreadPoolExecutor(16) as pool:  # enough at once to form groups
                answered = list(pool.map(post, range(count)))
            on_first.events(count, timeout=20)
            on_second.events(count, timeout=20)
        assert on_first.seen.ids == on_second.seen.ids == sorted(answered)
        assert sorted(answered) == list(range(min(answered), min(answered) + count))
        middle = sorted(answered)[count // 2]
        with open_stream(first.url, first.agent_token, last_event_id=middle) as replay:
            replayed = replay.events(count - count // 2 - 1, timeout=20)
        assert [int(event.id) for event in replayed] == sorted(answered)[count // 2 + 1 :]
        assert "resync" not in replay.seen.types
    finally:
        second.stop()


@pytest.mark.postgresql
def test_pool_connections_the_server_ended_are_replaced_before_use(pg_url: str, postgres) -> None:
    """The pool checks a connection without a round trip (postgres.py `check_idle`), yet
    a connection whose backend was terminated never reaches a request."""
    storage = open_storage(pg_url)
    name = pg_url.rpartition("/")[2]
    try:
        first = intake("esc-1", "msg-1")
        storage.accept_escalation(first.escalation, first.webhook_id)
        with psycopg.connect(postgres.admin_url, autocommit=True, connect_timeout=5) as admin:

            def backends() -> int:
                row = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
                ).fetchone()
                return int(row[0]) if row else 0

            assert backends() >= 1
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            wait_for(lambda: backends() == 0, timeout=10)
        second = intake("esc-2", "msg-2")
        assert storage.accept_escalation(second.escalation, second.webhook_id).event_id == 2
        assert [item.escalation_id for item in storage.list_escalations(None, None)] == [
            "esc-1",
            "esc-2",
        ]
    finally:
        storage.close()
