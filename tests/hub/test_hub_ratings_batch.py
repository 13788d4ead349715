"""Ratings saved batch-wise behave as if the items were sent one after another.

sql_ratings.py reads what a batch needs once and writes it in a few statements;
items of one batch that interact (the same id twice, an edit of an earlier item,
two ratings of one escalation) must still get the results, and leave the facts, of
sequential saves.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cxsidebar.core import (
    BotInfo,
    CustomerRef,
    Escalation,
    Rating,
    RatingBatch,
    RatingBatchResult,
    Summary,
)
from cxsidebar.hub import HubStorage, open_storage, sql_ratings
from cxsidebar.hub.storage import canonical_json, content_hash

pytestmark = pytest.mark.anyio

WHEN = datetime(2026, 11, 2, 10, 5, tzinfo=UTC)


def rating(escalation_id: str = "esc-1", overall: int = 4, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(fields.pop("id", uuid.uuid4())),
        "escalation_id": escalation_id,
        "created_at": "2026-11-02T10:05:00+00:00",
        "overall": overall,
        **fields,
    }


async def send(api: Any, *ratings: dict[str, Any], token: str | None = None) -> list[tuple]:
    response = await api.client.post(
        "/v1/ratings", json={"ratings": list(ratings)}, headers=api.auth(token)
    )
    assert response.status_code == 200, response.text
    return [(r.status, r.reason) for r in RatingBatchResult.model_validate(response.json()).results]


async def test_the_same_id_twice_in_one_batch(api):
    await api.escalate("esc-1")
    await api.escalate("esc-2")
    first = rating()
    changed = {**rating("esc-2"), "id": first["id"]}
    assert await send(api, first, first, changed) == [
        ("created", None),
        ("duplicate", None),
        ("rejected", "a different rating already has this id"),
    ]


async def test_two_ratings_of_one_escalation_in_one_batch(api):
    await api.escalate("esc-1")
    first, second = rating(overall=2), rating(overall=5)
    [created, (status, reason)] = await send(api, first, second)
    assert created == ("created", None)
    assert status == "rejected"
    assert first["id"] in reason
    assert "supersedes" in reason
    # Another agent's ratings of the same escalation in the same batch are separate.
    mine, again = rating(), rating()
    [created, (status, reason)] = await send(api, mine, again, token=api.other_agent)
    assert created == ("created", None)
    assert status == "rejected"
    assert mine["id"] in reason
    assert first["id"] not in reason


async def test_a_chain_of_edits_in_one_batch(api):
    await api.escalate("esc-1")
    first = rating(overall=1)
    edit = rating(overall=2, supersedes=first["id"])
    late = rating(overall=3, supersedes=first["id"])  # names a rating this batch superseded
    last = rating(overall=5, supersedes=edit["id"])
    results = await send(api, first, edit, late, last)
    assert results[0] == results[1] == results[3] == ("created", None)
    assert results[2] == (
        "rejected",
        f"rating {first['id']} was already superseded; the current one is {edit['id']}",
    )
    assert current_scores(api.storage) == {"Alice": 5}


async def test_an_edit_of_an_earlier_item_across_batches_and_escalations(api):
    await api.escalate("esc-1")
    await api.escalate("esc-2")
    stored = rating()
    assert await send(api, stored) == [("created", None)]
    mine = rating("esc-2")
    wrong = rating("esc-1", supersedes=mine["id"])  # names this batch's esc-2 rating
    edit = rating("esc-1", overall=1, supersedes=stored["id"])
    unknown = rating("nope")
    after_unknown = rating("esc-2", supersedes=unknown["id"])  # a rejected item was not saved
    assert await send(api, mine, wrong, edit, unknown, after_unknown) == [
        ("created", None),
        (
            "rejected",
            f"supersedes names rating {mine['id']}, which is not yours for this escalation",
        ),
        ("created", None),
        ("rejected", "unknown escalation 'nope'"),
        ("rejected", f"supersedes names an unknown rating {unknown['id']}"),
    ]
    assert current_scores(api.storage) == {"Alice": 1 + 4}


async def test_chunked_statements_give_the_same_results(api, monkeypatch):
    monkeypatch.setattr(sql_ratings, "MAX_VARIABLES", 7)
    for n in range(4):
        await api.escalate(f"esc-{n}")
    items = [rating(f"esc-{n}", overall=1 + n) for n in range(4)]
    assert await send(api, *items) == [("created", None)] * 4
    edits = [rating(f"esc-{n}", overall=5, supersedes=items[n]["id"]) for n in range(4)]
    assert await send(api, *edits, *items) == [("created", None)] * 4 + [("duplicate", None)] * 4
    assert current_scores(api.storage) == {"Alice": 20}


def current_scores(storage: HubStorage) -> dict[str, int]:
    """Sum of the counted overall scores per agent, read from rating_facts."""
    engine = storage._engine  # type: ignore[attr-defined]
    with engine.reading() as tx:
        rows = tx.rows(
            "SELECT agent, SUM(overall) AS total FROM rating_facts WHERE current = 1 GROUP BY agent"
        )
    return {row["agent"]: int(row["total"]) for row in rows}


def test_the_request_hash_is_the_content_hash_of_the_batch():
    batch = RatingBatch(
        ratings=[
            Rating.model_validate(rating(comment='naïve — 😀 "quoted"\n', overall=n))
            for n in range(1, 6)
        ]
    )
    bodies = [canonical_json(r) for r in batch.ratings]
    assert sql_ratings.batch_hash(bodies) == content_hash(batch)


def _scenario() -> list[list[Rating]]:
    """Ratings of six escalations by one agent, with repeats, edits and mistakes."""
    made: list[Rating] = []

    def new(n: int, **fields: Any) -> Rating:
        item = Rating(
            id=uuid.uuid4(),
            escalation_id=f"esc-{n % 6}",
            created_at=WHEN + timedelta(minutes=n),
            overall=1 + n % 5,
            summary_version=1 if n % 2 else None,
            **fields,
        )
        made.append(item)
        return item

    a, b, c = new(0), new(1), new(2)
    a2 = new(6, supersedes=a.id)
    batch1 = [a, b, a, new(12), a2, c, new(3, supersedes=a.id), new(8, supersedes=uuid.uuid4())]
    a3 = new(18, supersedes=a2.id)
    batch2 = [a2, a3, new(7, supersedes=b.id), new(13, supersedes=a2.id), new(4), new(10)]
    stranger = Rating(id=uuid.uuid4(), escalation_id="esc-9", created_at=WHEN, overall=3)
    batch3 = [stranger, new(24, supersedes=a3.id), a.model_copy(update={"overall": 2})]
    return [batch1, batch2, batch3]


def _open(path: Path) -> HubStorage:
    storage = open_storage(f"sqlite:///{path}")
    for n in range(6):
        storage.accept_escalation(
            Escalation(
                id=f"esc-{n}",
                queue="billing" if n % 2 else "tech",
                channel="chat",
                created_at=WHEN,
                bot=BotInfo(platform="t", flow=f"flow-{n % 3}"),
                customer=CustomerRef(id=f"c-{n}"),
            ),
            f"webhook-{n}",
        )
        if n % 3:
            storage.put_summary(f"esc-{n}", Summary(kind="llm", text="s"))
    return storage


def _facts(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT * FROM rating_facts ORDER BY rating_id").fetchall()
        columns = [d[0] for d in conn.execute("SELECT * FROM rating_facts LIMIT 0").description]
    conn.close()
    skip = columns.index("received_at")
    return [tuple(v for i, v in enumerate(row) if i != skip) for row in rows]


@pytest.mark.parametrize("max_variables", [999, 5])
def test_a_batch_equals_its_items_sent_one_by_one(tmp_path, monkeypatch, max_variables):
    monkeypatch.setattr(sql_ratings, "MAX_VARIABLES", max_variables)
    batched, single = _open(tmp_path / "batched.sqlite3"), _open(tmp_path / "single.sqlite3")
    try:
        for batch in _scenario():
            together = batched.save_ratings("Alice", RatingBatch(ratings=batch), None)
            one_by_one = [
                single.save_ratings("Alice", RatingBatch(ratings=[item]), None).results[0]
                for item in batch
            ]
            assert together.results == one_by_one
        statuses = {r.status for r in together.results}
        assert statuses == {"created", "rejected"}
    finally:
        batched.close()
        single.close()
    assert _facts(tmp_path / "batched.sqlite3") == _facts(tmp_path / "single.sqlite3")
    assert len(_facts(tmp_path / "batched.sqlite3")) >= 8
