"""The committing thread reads a commit's events for the live tail, so the loop
puts them in the tail without a hop to a worker thread (screen-pop latency)."""

from __future__ import annotations

import threading

import pytest
from support.hub import escalation_body

from cxsidebar.core import Escalation
from cxsidebar.hub import EventBroker, HubSettings
from cxsidebar.hub.live_tail import LiveTail

pytestmark = pytest.mark.anyio


def accept(storage, escalation_id: str) -> int:
    body = Escalation.model_validate(escalation_body(escalation_id))
    return storage.accept_escalation(body, f"msg-{escalation_id}").event_id


async def test_prefetched_rows_enter_the_tail_once_and_in_order(storage):
    tail = LiveTail(storage)
    tail.start_at(0)
    ids = [accept(storage, f"esc-{n}") for n in range(3)]
    rows = tail.prefetch()
    tail.add(rows[:2])
    tail.add(rows)  # overlaps what the tail holds: only the new row is kept
    assert tail.newest == ids[-1]
    found = await tail.after(0, None, 10, 100)
    assert found is not None
    events, covered = found
    assert [event.id for event in events] == ids
    assert covered == ids[-1]


async def test_a_commit_in_another_thread_reaches_the_tail_with_the_wake_up(storage):
    broker = EventBroker()
    remove = storage.add_commit_listener(broker.notify)
    try:
        with broker.subscribe() as subscription:
            tail = broker.tail(storage, HubSettings())
            tail.start_at(storage.event_bounds().newest)
            accepted: list[int] = []
            writer = threading.Thread(target=lambda: accepted.append(accept(storage, "esc-1")))
            writer.start()
            writer.join(5)
            assert await subscription.wait(5)
            assert accepted
            assert tail.newest == accepted[0]  # no stream has read the table
    finally:
        remove()


async def test_without_a_prefetch_the_tail_still_reads_the_commit(storage):
    broker = EventBroker()
    with broker.subscribe():
        tail = broker.tail(storage, HubSettings())
        tail.start_at(storage.event_bounds().newest)
        event_id = accept(storage, "esc-1")  # no commit listener: nothing prefetched
        tail.committed()
        found = await tail.after(event_id - 1, None, 10, 100)
        assert found is not None
        assert [event.id for event in found[0]] == [event_id]


async def test_a_prefetch_covers_its_commit_but_not_one_left_unread_before(storage):
    tail = LiveTail(storage)
    tail.start_at(0)
    first = accept(storage, "esc-1")
    tail.add(tail.prefetch())
    tail.committed(covered=True)  # read after that commit: nothing left to read
    assert tail.up_to_date
    second = accept(storage, "esc-2")
    tail.committed()  # heard of, not read
    assert not tail.up_to_date
    found = await tail.after(first, None, 10, 100)  # so the tail reads the table
    assert found is not None
    assert [event.id for event in found[0]] == [second]
    assert tail.up_to_date
    accept(storage, "esc-3")
    tail.committed()
    tail.add(tail.prefetch())
    tail.committed(covered=True)  # an earlier commit is still outstanding: no shortcut
    assert not tail.up_to_date
