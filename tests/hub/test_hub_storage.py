"""The storage on its own, on both backends: URLs, tokens, the event log, concurrency."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from support.hub import escalation_body, wait_for

from cxsidebar.core import ClaimInfo, Escalation, Summary
from cxsidebar.hub import Role, open_storage
from cxsidebar.hub.storage import (
    AlreadyClaimedError,
    ConflictError,
    EventBounds,
    StorageURLError,
    UnknownEscalationError,
)


def escalation(escalation_id: str = "esc-1", **fields) -> Escalation:
    return Escalation.model_validate(escalation_body(escalation_id, **fields))


def test_relative_and_absolute_sqlite_urls(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = open_storage("sqlite:///relative.sqlite3")
    relative.close()
    assert (tmp_path / "relative.sqlite3").exists()
    absolute = open_storage(f"sqlite:///{tmp_path / 'abs.sqlite3'}")
    absolute.close()
    assert str(tmp_path).startswith("/")  # so the URL above had four slashes
    assert (tmp_path / "abs.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("hub.sqlite3", "expected a database URL"),
        ("mysql://db/hub", "unsupported database 'mysql'"),
        ("mysql://u:hunter2@db/hub", "u:\\*\\*\\*@db"),
        ("sqlite://hub.sqlite3", "three slashes"),
        ("sqlite:///", "file path"),
        ("sqlite:///:memory:", "file path"),
        ("sqlite:///no/such/dir/hub.sqlite3", "does not exist"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, says: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorageURLError, match=says):
        open_storage(url)


def test_the_database_uses_wal_and_reopens_with_its_data(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    storage = open_storage(url)
    storage.accept_escalation(escalation(), "msg-1")
    storage.close()
    again = open_storage(url)  # migrations are not applied twice
    assert [i.escalation_id for i in again.list_escalations(None, None)] == ["esc-1"]
    again.close()
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def raw_rows(db_url: str, sql: str) -> list[tuple]:
    """Rows read straight from the database, past the storage."""
    if db_url.startswith("sqlite:///"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql).fetchall()
    with psycopg.connect(db_url, connect_timeout=5) as conn:
        return conn.execute(sql).fetchall()


def test_tokens_are_stored_only_as_sha256(storage, db_url):
    token = storage.create_token("supervisor", "Sue", ["b", "a", "a", " "])
    info = storage.find_token(token)
    assert info is not None
    assert (info.name, info.role, info.queues) == ("Sue", Role.SUPERVISOR, frozenset({"a", "b"}))
    assert storage.find_token(token + "x") is None
    rows = raw_rows(db_url, "SELECT * FROM tokens")
    assert token not in repr(rows)
    assert rows[0][0] == hashlib.sha256(token.encode()).hexdigest()


def test_token_roles_and_names_are_checked(storage):
    with pytest.raises(ValueError, match="unknown role 'root'"):
        storage.create_token("root", "Rob")
    with pytest.raises(ValueError, match="needs a name"):
        storage.create_token("agent", "  ")


def test_roles_are_ordered():
    assert Role.ADMIN.allows(Role.AGENT)
    assert Role.SUPERVISOR.allows(Role.AGENT)
    assert not Role.AGENT.allows(Role.SUPERVISOR)
    assert not Role.SUPERVISOR.allows(Role.ADMIN)


def test_sources_have_unique_names_and_fresh_secrets(storage):
    first = storage.add_source("bot-a")
    second = storage.add_source("bot-b")
    assert first != second
    assert first.startswith("whsec_")
    assert storage.list_sources() == ["bot-a", "bot-b"]
    assert sorted(storage.source_secrets()) == sorted([first, second])
    with pytest.raises(ConflictError, match="exists already"):
        storage.add_source("bot-a")


def test_the_escalation_its_delivery_and_its_event_commit_together(storage, monkeypatch):
    import cxsidebar.hub.sql_intake as shared

    def fail(*args, **kwargs):
        raise OSError("disk I/O error")  # after the escalation and its event were written

    monkeypatch.setattr(shared, "record_deliveries", fail)
    with pytest.raises(OSError, match="disk I/O"):
        storage.accept_escalation(escalation(), "msg-1")
    monkeypatch.undo()
    assert storage.list_escalations(None, None) == []
    assert storage.events_after(0, None, 10) == []
    accepted = storage.accept_escalation(escalation(), "msg-1")  # the delivery was not kept
    assert accepted.event_id == 1  # nor the failed event's id


def test_commit_listeners_hear_of_new_events_only(storage):
    heard: list[int] = []
    always: list[int] = []
    remove = storage.add_commit_listener(lambda: heard.append(1))
    storage.add_commit_listener(lambda: always.append(1))
    storage.accept_escalation(escalation(), "msg-1")
    storage.accept_escalation(escalation(), "msg-1")  # a repeat adds no event
    storage.create_token("agent", "Al")
    storage.claim("esc-1", "Al")
    storage.claim("esc-1", "Al")  # the holder again: no event
    # Listeners are called in commit order (at once on SQLite, by the LISTEN
    # thread on PostgreSQL), so once this marker is heard all before it were too.
    storage.record_resync("marker")
    wait_for(lambda: len(always) >= 3)
    assert len(heard) == len(always) == 3
    remove()
    storage.record_resync("r")
    wait_for(lambda: len(always) >= 4)
    assert len(heard) == 3


def test_a_failing_listener_does_not_fail_the_write(storage, caplog):
    def broken() -> None:
        raise RuntimeError("listener bug")

    storage.add_commit_listener(broken)
    assert storage.accept_escalation(escalation(), "msg-1").id == "esc-1"
    wait_for(lambda: "a commit listener failed" in caplog.text)


def test_concurrent_claims_have_exactly_one_winner(storage):
    storage.accept_escalation(escalation(), "msg-1")
    start = threading.Barrier(8)

    def claim(agent: str) -> ClaimInfo | str:
        start.wait(5)
        try:
            return storage.claim("esc-1", agent)
        except AlreadyClaimedError as lost:
            return lost.claim.claimed_by

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(claim, [f"agent-{n}" for n in range(8)]))
    winners = [o for o in outcomes if isinstance(o, ClaimInfo)]
    assert len(winners) == 1
    assert set(outcomes) - set(winners) == {winners[0].claimed_by}
    claimed = [e for e in storage.events_after(0, None, 100) if e.type == "escalation.claimed"]
    assert len(claimed) == 1


def test_concurrent_deliveries_of_one_webhook_store_it_once(storage):
    start = threading.Barrier(6)

    def deliver(_: int):
        start.wait(5)
        return storage.accept_escalation(escalation(), "msg-same")

    with ThreadPoolExecutor(6) as pool:
        answers = set(pool.map(deliver, range(6)))
    assert len(answers) == 1
    assert len(storage.events_after(0, None, 100)) == 1


def test_unknown_escalations(storage):
    assert storage.get_context("nope") is None
    assert storage.escalation_queue("nope") is None
    with pytest.raises(UnknownEscalationError):
        storage.claim("nope", "Al")
    with pytest.raises(UnknownEscalationError):
        storage.put_summary("nope", Summary(kind="llm", text="x"))


def test_events_after_filters_by_queue_but_keeps_events_for_everyone(storage):
    storage.accept_escalation(escalation("b", queue="billing"), "m1")
    storage.accept_escalation(escalation("s", queue="sales"), "m2")
    storage.record_resync("restore")
    assert [e.type for e in storage.events_after(0, None, 10)] == [
        "escalation.created", "escalation.created", "resync",
    ]  # fmt: skip
    assert [e.escalation_id for e in storage.events_after(0, frozenset({"sales"}), 10)] == [
        "s",
        None,
    ]
    assert [e.type for e in storage.events_after(0, frozenset(), 10)] == ["resync"]
    assert [e.id for e in storage.events_after(1, None, 1)] == [2]


def test_bounds_and_pruning(storage):
    assert storage.event_bounds() == EventBounds(oldest=None, newest=0)
    for n in range(5):
        storage.accept_escalation(escalation(f"e{n}"), f"m{n}")
    assert storage.event_bounds() == EventBounds(oldest=1, newest=5)
    assert storage.prune_events(keep_last=2) == 3
    bounds = storage.event_bounds()
    assert bounds == EventBounds(oldest=4, newest=5)
    assert [bounds.can_replay_after(n) for n in (0, 2, 3, 4, 5, 6, -1)] == [
        False, False, True, True, True, False, False,
    ]  # fmt: skip
    storage.prune_events(keep_last=0)
    emptied = storage.event_bounds()
    assert emptied == EventBounds(oldest=None, newest=5)
    assert emptied.can_replay_after(5)
    assert not emptied.can_replay_after(4)
    storage.record_resync("r")
    assert storage.event_bounds().newest == 6  # ids are never reused
