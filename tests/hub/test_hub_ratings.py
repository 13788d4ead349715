"""POST /v1/ratings: per-item results, idempotent per rating id and per Idempotency-Key."""

from __future__ import annotations

import uuid

import pytest

from cxsidebar.core import ErrorEnvelope, RatingBatchResult

pytestmark = pytest.mark.anyio


def rating(escalation_id: str = "esc-1", overall: int = 4, **fields) -> dict:
    return {
        "id": str(fields.pop("id", uuid.uuid4())),
        "escalation_id": escalation_id,
        "created_at": "2025-03-01T10:05:00+00:00",
        "overall": overall,
        "parts": {"transcript": 5, "summary": None},
        **fields,
    }


async def send(api, ratings: list[dict], *, key: str | None = None, token: str | None = None):
    headers = api.auth(token)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await api.client.post("/v1/ratings", json={"ratings": ratings}, headers=headers)


def statuses(response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    result = RatingBatchResult.model_validate(response.json())
    return [(r.status, r.reason) for r in result.results]


async def test_each_item_gets_its_own_result_in_order(api):
    await api.escalate("esc-1")
    await api.escalate("esc-2")
    first, second = rating(), rating("esc-2", overall=2)
    response = await send(api, [first, rating("ghost"), second])
    result = RatingBatchResult.model_validate(response.json())
    assert str(result.results[0].id) == first["id"]
    assert statuses(response) == [
        ("created", None),
        ("rejected", "unknown escalation 'ghost'"),
        ("created", None),
    ]


async def test_resending_the_same_rating_is_a_duplicate_and_a_changed_one_is_rejected(api):
    await api.escalate("esc-1")
    one = rating()
    assert statuses(await send(api, [one])) == [("created", None)]
    assert statuses(await send(api, [one])) == [("duplicate", None)]
    changed = {**one, "overall": 1}
    [(status, reason)] = statuses(await send(api, [changed]))
    assert status == "rejected"
    assert reason == "a different rating already has this id"


async def test_the_same_id_from_another_agent_is_rejected(api):
    await api.escalate("esc-1")
    one = rating()
    await send(api, [one])
    assert statuses(await send(api, [one], token=api.other_agent))[0][0] == "rejected"


async def test_a_repeated_idempotency_key_returns_the_same_results(api):
    await api.escalate("esc-1")
    batch = [rating(), rating("ghost")]
    key = str(uuid.uuid4())
    first = await send(api, batch, key=key)
    again = await send(api, batch, key=key)
    assert again.json() == first.json()
    assert statuses(again) == [("created", None), ("rejected", "unknown escalation 'ghost'")]


async def test_a_reused_idempotency_key_with_another_batch_is_a_conflict(api):
    await api.escalate("esc-1")
    key = str(uuid.uuid4())
    await send(api, [rating()], key=key)
    response = await send(api, [rating()], key=key)
    assert response.status_code == 409
    assert ErrorEnvelope.model_validate(response.json()).error.code == "conflict"


@pytest.mark.parametrize(
    ("batch", "field"),
    [
        ({"ratings": [rating(overall=9)]}, "ratings.0.overall"),
        ({"ratings": []}, "ratings"),
        ({"ratings": [{**rating(), "mood": "great"}]}, "ratings.0.mood"),
        ({"ratings": [rating(id="not-a-uuid")]}, "ratings.0.id"),
    ],
)
async def test_schema_errors_in_the_batch_are_422_naming_the_field(api, batch, field):
    response = await api.client.post("/v1/ratings", json=batch, headers=api.auth())
    assert response.status_code == 422
    details = ErrorEnvelope.model_validate(response.json()).error.details
    assert field in [d.field for d in details]


async def test_an_empty_idempotency_key_is_422_naming_the_header(api):
    response = await send(api, [rating()], key="")
    assert response.status_code == 422
    assert ErrorEnvelope.model_validate(response.json()).error.details[0].field == "Idempotency-Key"
