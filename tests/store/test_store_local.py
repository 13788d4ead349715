"""LocalStore: schema, pragmas, the save transaction and the outbox flows."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from cx_store_support import FakeClock, MakeRating

from cxsidebar.core import RatingResult, SyncState
from cxsidebar.store import LocalStore
from cxsidebar.store._schema import migrations


def count(store: LocalStore, table: str) -> int:
    return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def test_open_creates_the_directory_and_sets_the_pragmas(store: LocalStore, db_path: Path) -> None:
    assert db_path.is_file()
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("synchronous") == 2  # FULL
    assert store.pragma("busy_timeout") == 5000
    assert store.pragma("foreign_keys") == 1
    with pytest.raises(ValueError, match="not a pragma"):
        store.pragma("synchronous; DROP TABLE ratings")


def test_migrations_apply_once_and_reopen_keeps_the_data(
    db_path: Path, clock: FakeClock, make_rating: MakeRating
) -> None:
    first = LocalStore(db_path, clock=clock)
    rating = make_rating()
    first.save_rating(rating)
    first.close()

    again = LocalStore(db_path, clock=clock)
    try:
        assert migrations.pending(again.db) == []
        assert [m.name for m in migrations.applied(again.db)] == [
            "0001_ratings_and_outbox",
            "0002_rating_supersedes",
        ]
        assert again.due(10, clock()) == [rating]
        assert again.pragma("synchronous") == 2  # set again on the new connection
    finally:
        again.close()


def test_a_saved_rating_is_committed_with_its_outbox_row(
    store: LocalStore, db_path: Path, make_rating: MakeRating
) -> None:
    rating = make_rating(comment="good summary")
    store.save_rating(rating)

    # Another connection sees both rows as soon as save_rating returns: it committed.
    other = sqlite3.connect(db_path)
    try:
        ((status, body),) = other.execute("SELECT status, body FROM ratings").fetchall()
        ((rating_id, attempts, sent_at),) = other.execute(
            "SELECT rating_id, attempts, sent_at FROM outbox"
        ).fetchall()
    finally:
        other.close()
    assert status == "pending"
    assert '"comment":"good summary"' in body
    assert '"agent' not in body  # the hub takes the agent from the token
    assert (rating_id, attempts, sent_at) == (str(rating.id), 0, None)
    assert store.sync_state() == SyncState(unsynced=1)


def test_a_failing_save_leaves_neither_row(store: LocalStore, make_rating: MakeRating) -> None:
    earlier = make_rating("esc-1", 2)
    store.save_rating(earlier)
    store.db.execute(
        "CREATE TRIGGER no_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'full'); END"
    )

    with pytest.raises(sqlite3.IntegrityError, match="full"):
        store.save_rating(make_rating("esc-2"))
    with pytest.raises(sqlite3.IntegrityError, match="full"):
        store.save_rating(make_rating("esc-1", 5))  # an edit: the old rating must survive

    assert count(store, "ratings") == 1
    assert count(store, "outbox") == 1
    assert store.rating(earlier.id) == (earlier, "pending")
    assert not store.db.conn.in_transaction


def test_an_edit_replaces_the_unsynced_rating(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    first = make_rating("esc-1", 2)
    store.save_rating(first)
    edited = make_rating("esc-1", 5, comment="second thoughts")
    store.save_rating(edited)
    same_id = edited.model_copy(update={"overall": 3})
    store.save_rating(same_id)

    assert store.due(10, clock()) == [same_id]
    assert store.rating(first.id) is None
    assert count(store, "ratings") == 1
    assert count(store, "outbox") == 1
    assert store.sync_state() == SyncState(unsynced=1)


def test_a_save_after_sync_is_a_new_rating(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    first = make_rating("esc-1", 2)
    store.save_rating(first)
    store.mark_results([RatingResult(id=first.id, status="created")])
    second = make_rating("esc-1", 4)
    store.save_rating(second)

    assert store.rating(first.id) == (first, "synced")
    version = second.model_copy(update={"supersedes": first.id})
    assert store.due(10, clock()) == [version]
    assert store.sync_state() == SyncState(unsynced=1)
    assert store.current() == {"esc-1": version}


def test_due_is_oldest_first_limited_and_respects_deferral(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    start = clock()
    ratings = [make_rating(f"esc-{n}") for n in range(4)]
    for rating in ratings:
        store.save_rating(rating)
        clock.advance(1)

    assert store.due(3, clock()) == ratings[:3]
    until = clock() + timedelta(seconds=30)
    store.defer([ratings[0].id], until, "down")
    assert store.due(10, clock()) == ratings[1:]
    assert store.next_due_at() == start + timedelta(seconds=1)  # saved second, due since
    store.mark_results([RatingResult(id=r.id, status="created") for r in ratings[1:]])
    assert store.next_due_at() == until
    assert store.due(10, clock()) == []
    clock.advance(30)
    assert store.due(10, clock()) == ratings[:1]


def test_defer_counts_attempts_and_sets_the_next_attempt(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    rating = make_rating()
    store.save_rating(rating)
    later = clock() + timedelta(seconds=90)
    store.defer([rating.id], later, "hub unreachable: connection refused")
    store.defer([rating.id], later, "hub unreachable: connection refused")

    row = store.db.execute("SELECT attempts, last_error FROM outbox").fetchone()
    assert row == (2, "hub unreachable: connection refused")
    assert store.next_due_at() == later
    assert store.due(10, clock()) == []
    assert store.next_batch(10, clock()) is None


def test_results_sync_or_dead_letter(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    created, duplicate, rejected = (make_rating(f"esc-{n}") for n in range(3))
    for rating in (created, duplicate, rejected):
        store.save_rating(rating)

    store.mark_results(
        [
            RatingResult(id=created.id, status="created"),
            RatingResult(id=duplicate.id, status="duplicate"),
            RatingResult(id=rejected.id, status="rejected", reason="unknown escalation"),
            RatingResult(id=uuid.uuid4(), status="created"),  # not ours: ignored
        ]
    )

    assert store.rating(created.id) == (created, "synced")
    assert store.rating(duplicate.id) == (duplicate, "synced")
    assert store.rejected() == [(rejected, "unknown escalation")]
    assert store.sync_state() == SyncState(unsynced=0, rejected=1)
    assert store.due(10, clock()) == []
    assert store.next_due_at() is None
    synced_at = store.db.execute(
        "SELECT synced_at FROM ratings WHERE id = ?", [str(created.id)]
    ).fetchone()[0]
    assert synced_at == clock().isoformat()


def test_a_batch_keeps_its_key_and_members_across_retries(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    ratings = [make_rating(f"esc-{n}") for n in range(105)]
    for rating in ratings:
        store.save_rating(rating)

    batch = store.next_batch(100, clock())
    assert batch is not None
    assert batch.ratings == ratings[:100]
    assert batch.attempts == 0
    retry_at = clock() + timedelta(seconds=5)
    store.defer([r.id for r in batch.ratings], retry_at, "timeout")

    rest = store.next_batch(100, clock())  # while the first batch waits
    assert rest is not None
    assert rest.ratings == ratings[100:]
    assert rest.key != batch.key
    store.mark_results([RatingResult(id=r.id, status="created") for r in rest.ratings])

    clock.advance(5)
    store.save_rating(make_rating("esc-late"))
    again = store.next_batch(100, clock())
    assert again is not None
    assert (again.key, again.ratings, again.attempts) == (batch.key, batch.ratings, 1)


def test_a_partly_answered_batch_gets_a_new_key(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    ratings = [make_rating(f"esc-{n}") for n in range(3)]
    for rating in ratings:
        store.save_rating(rating)
    batch = store.next_batch(100, clock())
    assert batch is not None

    store.mark_results([RatingResult(id=ratings[0].id, status="created")])
    rest = store.next_batch(100, clock())
    assert rest is not None
    assert rest.ratings == ratings[1:]
    assert rest.key != batch.key


def test_editing_a_batched_rating_rebatches_its_mates(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    first, second, third = make_rating("esc-1"), make_rating("esc-2"), make_rating("esc-3")
    store.save_rating(first)
    store.save_rating(second)
    store.save_rating(third)
    batch = store.next_batch(2, clock())  # first and second: picked, not yet sent
    assert batch is not None
    assert batch.ratings == [first, second]
    store.defer([r.id for r in batch.ratings], clock(), "hub unreachable")
    store.release_deferred()

    edited_third = make_rating("esc-3", 1)
    store.save_rating(edited_third)  # never picked: still editable, so replaced
    assert store.rating(third.id) is None
    again = store.next_batch(100, clock())
    assert again is not None
    assert again.key == batch.key  # a batch that may have arrived is resent unchanged
    assert again.ratings == [first, second]


def test_an_edit_of_a_rating_that_may_have_arrived_is_a_waiting_version(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    first, other = make_rating("esc-1", 2), make_rating("esc-2")
    store.save_rating(first)
    store.save_rating(other)
    batch = store.next_batch(100, clock())  # sent; the answer was lost
    assert batch is not None

    edited = store.save_rating(make_rating("esc-1", 5))
    assert edited.supersedes == first.id
    assert store.rating(first.id) == (first, "pending")  # both kept
    assert store.next_due_at() == clock()
    again = store.next_batch(100, clock())
    assert again is not None
    assert again.ratings == [first, other]  # the version waits for its predecessor
    store.mark_results([RatingResult(id=r.id, status="created") for r in again.ratings])
    assert store.due(10, clock()) == [edited]
    store.mark_results([RatingResult(id=edited.id, status="created")])
    assert store.current() == {"esc-1": edited, "esc-2": other}


def test_a_version_of_a_refused_rating_supersedes_what_that_one_did(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    base = make_rating("esc-1", 3)
    store.save_rating(base)
    store.mark_results([RatingResult(id=base.id, status="created")])
    middle = store.save_rating(make_rating("esc-1", 4))
    assert middle.supersedes == base.id
    assert store.next_batch(100, clock()) is not None  # middle is in flight
    last = store.save_rating(make_rating("esc-1", 5))
    assert last.supersedes == middle.id
    assert store.due(10, clock()) == [middle]  # last waits for middle

    store.mark_results([RatingResult(id=middle.id, status="rejected", reason="no")])
    assert store.due(10, clock()) == [last.model_copy(update={"supersedes": base.id})]
    assert store.current()["esc-1"].id == last.id


def test_isolate_splits_a_refused_batch_into_single_requests(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    ratings = [make_rating(f"esc-{n}") for n in range(3)]
    for rating in ratings:
        store.save_rating(rating)
    batch = store.next_batch(100, clock())
    assert batch is not None

    store.isolate(batch.key)
    keys = set()
    for rating in ratings:
        single = store.next_batch(100, clock())
        assert single is not None
        assert single.ratings == [rating]
        keys.add(single.key)
        store.mark_results([RatingResult(id=rating.id, status="created")])
    assert len(keys) == 3
    assert batch.key not in keys
    assert store.next_batch(100, clock()) is None


def test_release_deferred_makes_everything_due_and_resets_backoff(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    rating = make_rating()
    store.save_rating(rating)
    later = clock() + timedelta(seconds=600)
    store.defer([rating.id], later, "down")

    assert store.release_deferred() == 1
    assert store.due(10, clock()) == [rating]
    assert store.db.execute("SELECT attempts FROM outbox").fetchone()[0] == 0
    assert store.release_deferred() == 0


def test_next_batches_are_disjoint_and_keep_their_keys(
    store: LocalStore, clock: FakeClock, make_rating: MakeRating
) -> None:
    ratings = [make_rating(f"esc-{n}") for n in range(5)]
    for rating in ratings:
        store.save_rating(rating)
    first, second, third = store.next_batches(2, clock(), 4)
    assert [first.ratings, second.ratings, third.ratings] == [
        ratings[0:2],
        ratings[2:4],
        ratings[4:],
    ]
    assert len({first.key, second.key, third.key}) == 3
    again = store.next_batches(2, clock(), 2)  # retried: the same batches, same keys
    assert [(b.key, b.ratings) for b in again] == [
        (first.key, first.ratings),
        (second.key, second.ratings),
    ]
    assert store.next_batches(2, clock(), 0) == []
