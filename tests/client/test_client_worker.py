"""NetworkWorker: one thread, its own loop; commands in, listener calls out; clean stop."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cx_fakehub import ServedHub
from cx_support import RecordingListener, claim_info, context, queue_item, rating

from cxsidebar.client import NetworkWorker, NetworkWorkerError, Tuning
from cxsidebar.core import ConnectionState, EventType, SyncState
from cxsidebar.store import LocalStore, StoreThread

FAST = Tuning(
    heartbeat=1.0,
    reconnect_base=0.01,
    reconnect_cap=0.05,
    sync_period=3600.0,  # only wakes and due retries sync: nothing happens by the clock
    sync_base=0.01,
    sync_cap=0.05,
    seed=1,
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_worker_serves_commands_and_reports_on_its_own_thread(
    served: ServedHub, store_thread: StoreThread
) -> None:
    hub, listener = served.hub, RecordingListener()
    hub.open_items.append(queue_item("esc-1"))
    hub.contexts.update({"esc-1": context("esc-1"), "esc-2": context("esc-2")})
    hub.claims["esc-2"] = claim_info("esc-2", "Ana")
    worker = NetworkWorker(
        listener, hub_url=served.url, token=hub.token, store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        listener.wait_until(lambda: ConnectionState.LIVE in listener.states())
        assert listener.of("on_snapshot") == [([queue_item("esc-1")],)]
        listener.wait_for_call("on_sync", 1)

        worker.fetch_context("esc-1")
        worker.fetch_context("missing")
        assert listener.wait_for_call("on_context") == [(context("esc-1"),)]
        assert listener.wait_for_call("on_context_failed") == [
            ("missing", "hub answered 404: no such escalation")
        ]

        worker.claim("esc-1")
        worker.claim("esc-2")
        (info,) = listener.wait_for_call("on_claimed")[0]
        assert (info.escalation_id, info.claimed_by) == ("esc-1", "Sam")
        assert listener.wait_for_call("on_claim_failed") == [("esc-2", "already claimed by Ana")]
        (event,) = listener.wait_for_call("on_event")[0]
        assert (event.type, event.data) == (EventType.CLAIMED, info)

        mine = rating("esc-1", 5)
        worker.save_rating(mine).result(5)
        assert listener.of("on_rating_saved") == [(mine.id,)]
        listener.wait_until(lambda: listener.of("on_sync")[-1] == (SyncState(unsynced=0),))
        assert (SyncState(unsynced=1),) in listener.of("on_sync")
        assert str(mine.id) in hub.ratings
        assert len(hub.rating_keys) == 1
    finally:
        worker.stop()

    assert not worker.thread.is_alive()
    assert listener.threads == {worker.thread.ident}
    with pytest.raises(NetworkWorkerError):
        worker.fetch_context("esc-1")


def test_offline_the_rating_stays_saved_and_stop_is_prompt(tmp_path: Path) -> None:
    listener = RecordingListener()
    db = tmp_path / "data" / "sidebar.sqlite3"
    worker = NetworkWorker(
        listener,
        hub_url=f"http://127.0.0.1:{closed_port()}",
        token="tok",
        store=db,  # the worker opens and closes this store itself
        tuning=Tuning(reconnect_base=0.01, reconnect_cap=0.02, sync_base=30.0, sync_cap=60.0),
    )
    worker.start()
    try:
        listener.wait_until(lambda: ConnectionState.OFFLINE in listener.states())
        assert listener.details()[-1].startswith("hub unreachable: connection refused, retrying in")
        kept = rating("esc-1")
        worker.save_rating(kept)
        listener.wait_for_call("on_rating_saved")
        listener.wait_until(lambda: "connection refused" in listener.of("on_sync")[-1][0].detail)
        assert listener.of("on_sync")[-1][0].unsynced == 1
    finally:
        worker.stop(5)  # must not wait out the 30 s sync backoff

    assert not worker.thread.is_alive()
    reopened = LocalStore(db)
    try:
        assert reopened.sync_state() == SyncState(unsynced=1)
        assert reopened.due(10, kept.created_at.replace(year=2100)) == [kept]
    finally:
        reopened.close()


def test_an_injected_client_is_used_and_closed(store_thread: StoreThread) -> None:
    listener = RecordingListener()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "expired"}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    worker = NetworkWorker(
        listener, hub_url="http://hub.test", token="old", store=store_thread, http=http, tuning=FAST
    )
    worker.start()
    try:
        listener.wait_until(lambda: ConnectionState.SIGNED_OUT in listener.states())
        assert "expired" in listener.details()[-1]
        worker.claim("esc-1")
        assert listener.wait_for_call("on_claim_failed") == [
            ("esc-1", "signed out: the hub refused the token (401: expired)")
        ]
    finally:
        worker.stop()
    assert http.is_closed
    assert store_thread.thread.is_alive()  # not the worker's to close


def test_a_faulty_listener_does_not_stop_the_worker(
    served: ServedHub, store_thread: StoreThread
) -> None:
    class Faulty(RecordingListener):
        def on_snapshot(self, items: list) -> None:  # type: ignore[type-arg]
            raise RuntimeError("widget gone")

    listener = Faulty()
    worker = NetworkWorker(
        listener, hub_url=served.url, token=served.hub.token, store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        listener.wait_until(lambda: ConnectionState.LIVE in listener.states())
        served.hub.publish("escalation.created", queue_item("esc-5"))
        listener.wait_for_call("on_event")
    finally:
        worker.stop()


def test_a_failed_save_is_reported_kept_and_retried(
    served: ServedHub, store_thread: StoreThread
) -> None:
    trigger = (
        "CREATE TRIGGER no_space BEFORE INSERT ON outbox"
        " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    store_thread.submit(lambda store: store.db.execute(trigger)).result(5)
    listener = RecordingListener()
    worker = NetworkWorker(
        listener, hub_url=served.url, token=served.hub.token, store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        lost = rating("esc-1")
        worker.save_rating(lost)
        ((rating_id, message),) = listener.wait_for_call("on_rating_save_failed")
        assert rating_id == lost.id
        assert message.startswith("not saved:")
        assert "disk full" in message
        assert listener.of("on_rating_saved") == []
        assert worker.unsaved() == [lost]
        listener.wait_for_call("on_rating_save_failed", 2)  # it keeps trying

        store_thread.submit(lambda store: store.db.execute("DROP TRIGGER no_space")).result(5)
        assert listener.wait_for_call("on_rating_saved") == [(lost.id,)]
        served.hub.wait_until(lambda: str(lost.id) in served.hub.ratings)
        assert worker.unsaved() == []
    finally:
        worker.stop()


def last_sync(listener: RecordingListener) -> SyncState:
    calls = listener.of("on_sync")
    return calls[-1][0] if calls else SyncState(unsynced=0)


def _limit(pragma: str) -> Callable[[LocalStore], None]:
    def apply(store: LocalStore) -> None:
        store.db.execute(pragma)

    return apply


@pytest.mark.parametrize(
    ("refuse", "allow", "why"),
    [
        # A full disk, for real: SQLite cannot grow the file past this many pages.
        ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823", "full"),
        # Read-only, for real at the SQLite level (chmod means nothing to root, who runs CI).
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF", "readonly"),
    ],
)
def test_a_full_or_read_only_database_keeps_the_latest_rating_until_written(
    served: ServedHub, store_thread: StoreThread, refuse: str, allow: str, why: str
) -> None:
    pages = store_thread.submit(lambda store: store.pragma("page_count")).result(5)
    store_thread.submit(_limit(refuse.format(pages=pages))).result(5)
    listener = RecordingListener()
    worker = NetworkWorker(
        listener, hub_url=served.url, token=served.hub.token, store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        first = rating("esc-1", 2, comment="x" * 4000)  # needs new pages
        worker.save_rating(first)
        listener.wait_for_call("on_rating_save_failed")
        assert why in listener.of("on_rating_save_failed")[0][1]
        edited = rating("esc-1", 5, comment="y" * 4000)
        worker.save_rating(edited)  # the newer one replaces the one held in memory
        listener.wait_until(
            lambda: (edited.id,) in [c[:1] for c in listener.of("on_rating_save_failed")]
        )
        assert worker.unsaved() == [edited]

        store_thread.submit(_limit(allow)).result(5)
        assert listener.wait_for_call("on_rating_saved") == [(edited.id,)]
        served.hub.wait_until(lambda: str(edited.id) in served.hub.ratings)
        assert str(first.id) not in served.hub.ratings
        assert worker.unsaved() == []
    finally:
        worker.stop()


def test_signing_in_again_restarts_the_stream_and_the_sync(
    served: ServedHub, store_thread: StoreThread
) -> None:
    hub, listener = served.hub, RecordingListener()
    worker = NetworkWorker(
        listener, hub_url=served.url, token="revoked", store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        listener.wait_until(lambda: ConnectionState.SIGNED_OUT in listener.states())
        kept = rating("esc-1")
        worker.save_rating(kept)
        listener.wait_until(lambda: "signed out" in last_sync(listener).detail)
        assert hub.ratings == {}

        worker.reauthenticate(hub.token).result(5)
        listener.wait_until(lambda: listener.states()[-1] is ConnectionState.LIVE)
        hub.wait_until(lambda: str(kept.id) in hub.ratings)
        listener.wait_until(lambda: listener.of("on_sync")[-1] == (SyncState(unsynced=0),))

        worker.sign_out().result(5)
        assert listener.states()[-1] is ConnectionState.SIGNED_OUT
        later = rating("esc-2")
        worker.save_rating(later).result(5)
        assert listener.of("on_rating_saved")[-1] == (later.id,)
        assert str(later.id) not in hub.ratings
    finally:
        worker.stop()


def test_dead_letters_are_read_from_the_store(served: ServedHub, store_thread: StoreThread) -> None:
    listener = RecordingListener()
    worker = NetworkWorker(
        listener, hub_url=served.url, token=served.hub.token, store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        first = rating("esc-1")
        served.hub.ratings[str(first.id)] = "{}"  # the hub knows this id with another body
        worker.save_rating(first)
        listener.wait_until(lambda: last_sync(listener).rejected == 1)
        assert worker.dead_letters().result(5) == [(first, "different body")]
    finally:
        worker.stop()
    with pytest.raises(NetworkWorkerError):
        worker.dead_letters()


def test_commands_need_a_running_worker(store_thread: StoreThread) -> None:
    worker = NetworkWorker(
        RecordingListener(), hub_url="http://127.0.0.1:1", token="t", store=store_thread
    )
    with pytest.raises(NetworkWorkerError):
        worker.save_rating(rating())
    worker.stop()  # stopping a worker that never started is harmless
    assert threading.active_count() >= 1
