"""Group commit of intake (both backends): concurrent escalations share transactions,
each still gets its own answer, and one conflict does not fail its neighbours."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.hub import escalation_body, wait_for

from cxsidebar.core import Escalation
from cxsidebar.hub.group_commit import GroupCommit, each
from cxsidebar.hub.storage import ConflictError, StorageError


def escalation(escalation_id: str, **extra: object) -> Escalation:
    return Escalation.model_validate(escalation_body(escalation_id, **extra))


def test_concurrent_intakes_each_get_their_own_answer(storage):
    storage.accept_escalation(escalation("taken"), "msg-taken")
    items = [(escalation(f"esc-{n}"), f"msg-{n}") for n in range(40)]
    items.append((escalation("taken", channel="email"), "msg-conflict"))

    def accept(item: tuple[Escalation, str]) -> object:
        try:
            return storage.accept_escalation(*item)
        except ConflictError as error:
            return error

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(accept, items))
    *accepted, conflict = answers
    assert isinstance(conflict, ConflictError)
    assert [a.id for a in accepted] == [f"esc-{n}" for n in range(40)]
    event_ids = [a.event_id for a in accepted]
    assert len(set(event_ids)) == 40
    stored = storage.events_after(0, None, 100)
    assert len(stored) == 41  # "taken" and the forty
    # A retry of any delivery gets the same answer.
    assert storage.accept_escalation(*items[7]) == accepted[7]


class _Engine:
    """A stand-in engine counting transactions."""

    def __init__(self) -> None:
        self.transactions = 0
        self.release = threading.Event()

    def writing(self) -> object:
        engine = self

        class _Tx:
            def __enter__(self) -> object:
                engine.transactions += 1
                engine.release.wait(5)  # the first transaction holds until the others queue
                return object()

            def __exit__(self, *exc: object) -> None:
                return None

        return _Tx()


def test_writes_that_queue_behind_a_transaction_share_the_next_one():
    engine = _Engine()

    def apply(tx: object, item: int) -> int:
        if item == 3:
            raise StorageError("three is refused")
        return item * 10

    group: GroupCommit[int, int] = GroupCommit(engine, each(apply))  # type: ignore[arg-type]
    results: dict[int, object] = {}

    def submit(item: int) -> None:
        try:
            results[item] = group.submit(item)
        except StorageError as error:
            results[item] = error

    first = threading.Thread(target=submit, args=(0,))
    first.start()
    wait_for(lambda: engine.transactions == 1)
    others = [threading.Thread(target=submit, args=(n,)) for n in range(1, 6)]
    for thread in others:
        thread.start()
    wait_for(lambda: len(group._pending) == 5)
    engine.release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert engine.transactions == 2  # the first alone, then the five queued behind it
    assert isinstance(results.pop(3), StorageError)
    assert results == {0: 0, 1: 10, 2: 20, 4: 40, 5: 50}


@pytest.mark.parametrize("size", [1, 3])
def test_batches_are_capped(size):
    engine = _Engine()
    engine.release.set()
    group: GroupCommit[int, int] = GroupCommit(engine, each(lambda tx, n: n), max_batch=size)  # type: ignore[arg-type]
    assert [group.submit(n) for n in range(4)] == [0, 1, 2, 3]
    assert engine.transactions == 4


def test_the_lead_passes_to_the_next_waiting_write_when_more_than_a_batch_waits():
    engine = _Engine()
    group: GroupCommit[int, int] = GroupCommit(engine, each(lambda tx, n: n * 10), max_batch=2)  # type: ignore[arg-type]
    results: dict[int, int] = {}

    def submit(item: int) -> None:
        results[item] = group.submit(item)

    threads = [threading.Thread(target=submit, args=(0,))]
    threads[0].start()
    wait_for(lambda: engine.transactions == 1)
    for n in range(1, 6):  # five wait: batches of two, two and one, each led by its first
        threads.append(threading.Thread(target=submit, args=(n,)))
        threads[-1].start()
        wait_for(lambda n=n: len(group._pending) == n)
    engine.release.set()
    for thread in threads:
        thread.join(5)
    assert results == {n: n * 10 for n in range(6)}
    assert engine.transactions == 4
    assert not group._leading  # nobody left waiting: the next write leads at once
