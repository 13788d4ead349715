"""SIGKILL the sidebar's store while it saves ratings: nothing acknowledged is lost or torn.

A child process runs the real store path (StoreThread → LocalStore.save_rating:
rating and outbox row in one transaction, WAL, synchronous=FULL) and reports
each rating only after its commit returned, as the sidebar does before it
shows "saved". The parent kills it at a random moment, 100 times over the
same database file, and checks the file after every kill.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import uuid
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

ROUNDS = 100


def _save_until_killed(path: str, conn: Connection, seed: int) -> None:
    from cxsidebar.core import Rating, RatingParts
    from cxsidebar.store import LocalStore, StoreThread

    rng = random.Random(seed)
    with StoreThread(Path(path)) as store:
        conn.send("ready")
        for n in range(10_000):  # bounded; the parent kills it long before
            rating = Rating(
                id=uuid.UUID(int=rng.getrandbits(128)),
                escalation_id=f"esc-{seed}-{n}",
                created_at=datetime.now(UTC),
                overall=rng.randint(1, 5),
                parts=RatingParts(transcript=rng.randint(1, 5)),
                comment="x" * rng.randint(0, 2000),  # rows of different sizes
            )
            store.submit(LocalStore.save_rating, rating).result()
            conn.send(str(rating.id))  # only now would the UI say "saved"


def _check(path: Path, acknowledged: set[str]) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ratings = {row[0] for row in db.execute("SELECT id FROM ratings")}
        queued = {row[0] for row in db.execute("SELECT rating_id FROM outbox")}
    assert acknowledged <= ratings, f"lost: {sorted(acknowledged - ratings)[:3]}"
    assert ratings == queued, "a rating without its outbox row, or the reverse"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments_loses_and_tears_nothing(tmp_path):
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["cxsidebar.store", "cxsidebar.core"])
    path = tmp_path / "sidebar.sqlite3"
    rng = random.Random(20261126)
    acknowledged: set[str] = set()
    for round_number in range(ROUNDS):
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=_save_until_killed, args=(str(path), child, round_number))
        process.start()
        child.close()
        assert parent.poll(30), "the child never opened the store"
        assert parent.recv() == "ready"
        # A random moment: sometimes before the first commit, usually mid-stream.
        parent.poll(rng.uniform(0.0, 0.08))
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
        assert process.exitcode == -signal.SIGKILL
        while parent.poll():
            try:
                acknowledged.add(parent.recv())
            except EOFError:
                break
        parent.close()
        _check(path, acknowledged)
    assert len(acknowledged) > ROUNDS // 2  # the kills really landed mid-stream
