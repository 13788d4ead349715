"""GET /v1/events against a real uvicorn hub: replay, resync, heartbeat, restarts."""

from __future__ import annotations

import threading

import httpx
import pytest
from support.hub import escalation_body, open_stream

from cxsidebar.core import ClaimInfo, EventType, QueueItem, ResyncInfo, Summary, decode_event
from cxsidebar.hub import open_storage

# What the database behind the hub cannot change (the HTTP layer) runs on SQLite only.
http_layer_only = pytest.mark.parametrize("backend", ["sqlite"])


def created_ids(hub, *escalation_ids: str, queue: str = "billing") -> list[int]:
    event_ids = []
    for escalation_id in escalation_ids:
        response = hub.post(escalation_body(escalation_id, queue=queue))
        assert response.status_code == 202, response.text
        event_ids.append(response.json()["event_id"])
    return event_ids


def test_a_new_escalation_arrives_with_its_queue_item(hub):
    with open_stream(hub.url, hub.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)  # connected
        [event_id] = created_ids(hub, "esc-1")
        [event] = stream.events(1)
    assert event.event == "escalation.created"
    assert int(event.id) == event_id
    decoded = decode_event(int(event.id), event.event, event.data)
    assert decoded.type is EventType.CREATED
    assert isinstance(decoded.data, QueueItem)
    assert decoded.data.escalation_id == "esc-1"
    assert decoded.data.customer_display_name == "Dana Customer"


@http_layer_only
def test_retry_comes_first_and_once(hub):
    with open_stream(hub.url, hub.agent_token) as stream:
        created_ids(hub, "esc-1", "esc-2")
        stream.events(2)
        stream.read_until(lambda seen: len(seen.comments) >= 2)  # a while later
    assert stream.seen.lines[:2] == ["retry: 2000", ""]
    assert stream.seen.retries == [2000]


def test_ids_strictly_increase_across_event_types(hub):
    with open_stream(hub.url, hub.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        created_ids(hub, "esc-1", "esc-2")
        claim = httpx.post(f"{hub.url}/v1/escalations/esc-1/claim", headers=hub.auth(), timeout=5)
        assert claim.status_code == 200
        events = stream.events(3)
    ids = [int(e.id) for e in events]
    assert ids == sorted(set(ids))
    assert [e.event for e in events] == [
        "escalation.created", "escalation.created", "escalation.claimed",
    ]  # fmt: skip
    assert ClaimInfo.model_validate_json(events[2].data).claimed_by == hub.agent_name


def test_without_last_event_id_only_new_events_are_sent(hub):
    created_ids(hub, "old-1", "old-2")
    with open_stream(hub.url, hub.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        created_ids(hub, "new-1")
        [event] = stream.events(1)
    assert QueueItem.model_validate_json(event.data).escalation_id == "new-1"


def test_the_queue_filter_and_the_token_queues_restrict_the_stream(hub):
    sales_token = _token(hub, "agent", "Sam", ["sales"])
    with (
        open_stream(hub.url, hub.agent_token, queues=["sales"]) as by_param,
        open_stream(hub.url, sales_token) as by_token,
        open_stream(hub.url, hub.agent_token) as everything,
    ):
        for stream in (by_param, by_token, everything):
            stream.read_until(lambda seen: seen.retries)
        created_ids(hub, "b-1", queue="billing")
        created_ids(hub, "s-1", queue="sales")
        created_ids(hub, "b-2", queue="billing")
        all_three = everything.events(3)
        [sales_by_param] = by_param.events(1)
        [sales_by_token] = by_token.events(1)
        # A resync for everyone passes every filter; nothing from billing came before it.
        _storage_call(hub, lambda s: s.record_resync("restored from backup"))
        [resync] = by_param.events(1)
        [resync_by_token] = by_token.events(1)
    assert [QueueItem.model_validate_json(e.data).escalation_id for e in all_three] == [
        "b-1", "s-1", "b-2",
    ]  # fmt: skip
    assert QueueItem.model_validate_json(sales_by_param.data).escalation_id == "s-1"
    assert sales_by_token.id == sales_by_param.id
    assert resync.event == resync_by_token.event == "resync"
    assert ResyncInfo.model_validate_json(resync.data).reason == "restored from backup"


@http_layer_only
def test_asking_for_a_queue_the_token_may_not_see_is_403(hub):
    sales_token = _token(hub, "agent", "Sam", ["sales"])
    response = httpx.get(
        f"{hub.url}/v1/events", params={"queue": "billing"},
        headers={"Authorization": f"Bearer {sales_token}"}, timeout=5,
    )  # fmt: skip
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_last_event_id_replays_everything_after_it(hub):
    first, second, third = created_ids(hub, "esc-1", "esc-2", "esc-3")
    with open_stream(hub.url, hub.agent_token, last_event_id=first) as stream:
        replayed = stream.events(2)
        created_ids(hub, "esc-4")
        [live] = stream.events(1)
    assert [int(e.id) for e in replayed] == [second, third]
    assert int(live.id) > third
    assert stream.seen.types.count("resync") == 0


def test_replay_survives_a_hub_restart_without_gaps_or_repeats(hub):
    with open_stream(hub.url, hub.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        seen_ids = created_ids(hub, "esc-1", "esc-2")
        received = stream.events(2)
        assert stream.seen.ids == seen_ids
        assert hub.stop() == 0  # graceful: the stream ends instead of holding shutdown
        stream.read_until(lambda seen: seen.ended)
    last_id = int(received[-1].id)

    # Events written while the hub is down, straight into its database.
    missed = _storage_call(hub, lambda s: [s.record_resync("x")])  # an event for everyone
    hub.start()
    missed += created_ids(hub, "esc-3", "esc-4")
    with open_stream(hub.url, hub.agent_token, last_event_id=last_id) as stream:
        replayed = stream.events(3)
        stream.read_until(lambda seen: len(seen.comments) >= 2)  # nothing else comes
    assert [int(e.id) for e in replayed] == missed
    assert stream.seen.ids == missed


def test_replay_after_a_crash_loses_nothing_that_was_answered(hub):
    [first] = created_ids(hub, "esc-1")
    [second] = created_ids(hub, "esc-2")
    hub.kill()
    hub.start()
    with open_stream(hub.url, hub.agent_token, last_event_id=first) as stream:
        [event] = stream.events(1)
    assert int(event.id) == second


def test_an_unknown_last_event_id_gets_one_resync_then_live_events(hub):
    [newest] = created_ids(hub, "esc-1")
    with open_stream(hub.url, hub.agent_token, last_event_id=newest + 100) as stream:
        [resync] = stream.events(1)
        created_ids(hub, "esc-2")
        [live] = stream.events(1)
    assert resync.event == "resync"
    assert int(resync.id) == newest  # reconnecting from here replays correctly
    assert "unknown" in ResyncInfo.model_validate_json(resync.data).reason
    assert live.event == "escalation.created"
    assert stream.seen.types == ["resync", "escalation.created"]


def test_an_expired_last_event_id_gets_a_resync(hub):
    first, *_ = created_ids(hub, "esc-1", "esc-2", "esc-3")
    assert _storage_call(hub, lambda s: s.prune_events(keep_last=1)) == 2
    with open_stream(hub.url, hub.agent_token, last_event_id=first) as stream:
        [resync] = stream.events(1)
    assert resync.event == "resync"
    assert "no longer kept" in ResyncInfo.model_validate_json(resync.data).reason


@http_layer_only
def test_a_garbled_last_event_id_gets_a_resync(hub):
    with open_stream(hub.url, hub.agent_token, last_event_id="yesterday") as stream:
        [resync] = stream.events(1)
    assert resync.event == "resync"


@http_layer_only
def test_pings_arrive_when_nothing_happens(hub):
    assert hub.heartbeat == 0.2
    with open_stream(hub.url, hub.agent_token, read_timeout=2.0) as stream:
        stream.read_until(lambda seen: len(seen.comments) >= 3, timeout=5.0)
    assert set(stream.seen.comments) == {"ping"}
    assert stream.seen.events == []


def test_events_written_by_another_process_reach_the_stream(hub):
    """The table is the source of truth: a write the hub was not told about still arrives."""
    created_ids(hub, "esc-1")
    with open_stream(hub.url, hub.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        event_id = _storage_call(
            hub, lambda s: s.put_summary("esc-1", Summary(kind="llm", text="t"))
        )
        [updated] = stream.events(1)
    assert int(updated.id) == event_id
    assert updated.event == "escalation.updated"
    assert decode_event(int(updated.id), updated.event, updated.data).data.what == "summary"


def test_many_streams_each_get_every_event(hub):
    results: list[list[str]] = []
    ready = threading.Barrier(4)

    def listen() -> None:
        with open_stream(hub.url, hub.agent_token) as stream:
            stream.read_until(lambda seen: seen.retries)
            ready.wait(5)
            results.append([e.id for e in stream.events(3)])

    threads = [threading.Thread(target=listen) for _ in range(3)]
    for thread in threads:
        thread.start()
    ready.wait(5)
    ids = [str(i) for i in created_ids(hub, "a", "b", "c")]
    for thread in threads:
        thread.join(10)
    assert results == [ids, ids, ids]


def _token(hub, role: str, name: str, queues: list[str]) -> str:
    return _storage_call(hub, lambda s: s.create_token(role, name, queues))


def _storage_call(hub, action):
    storage = open_storage(hub.db_url)
    try:
        return action(storage)
    finally:
        storage.close()
