"""Tokens scoped to queues, checked on every route that touches an escalation (both
backends): list, context, claim and ratings (the stream: test_hub_stream.py)."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.anyio


def rating(escalation_id: str) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "escalation_id": escalation_id,
        "created_at": "2025-03-01T10:05:00+00:00",
        "overall": 5,
    }


async def test_a_billing_token_sees_and_rates_only_billing(api):
    await api.escalate("esc-bill", queue="billing")
    await api.escalate("esc-vip", queue="vip")
    token = api.storage.create_token("agent", "Bill", ["billing"])
    auth = api.auth(token)

    listed = (await api.client.get("/v1/escalations", headers=auth)).json()["items"]
    assert [item["escalation_id"] for item in listed] == ["esc-bill"]
    assert (await api.client.get("/v1/escalations?queue=vip", headers=auth)).status_code == 403
    # Another queue's escalation looks exactly like an unknown one: 404, the same answer.
    for method, path in [
        ("GET", "/v1/escalations/{}"),
        ("POST", "/v1/escalations/{}/claim"),
        ("GET", "/v1/escalations/{}/summaries"),
        ("POST", "/v1/escalations/{}/summary"),
    ]:
        hidden = await api.client.request(method, path.format("esc-vip"), headers=auth)
        unknown = await api.client.request(method, path.format("esc-none"), headers=auth)
        assert hidden.status_code == unknown.status_code == 404, path
        assert hidden.json() == {
            "error": {**unknown.json()["error"], "message": "no escalation has the id 'esc-vip'"}
        }
    assert api.storage.escalation_queue("esc-vip") == "vip"  # and it was not claimed
    vip = await api.client.get("/v1/escalations/esc-vip", headers=api.auth())
    assert vip.json()["status"] == "open"

    batch = {"ratings": [rating("esc-vip"), rating("esc-bill"), rating("esc-none")]}
    answer = await api.client.post(
        "/v1/ratings", json=batch, headers={**auth, "Idempotency-Key": "k-1"}
    )
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created", "rejected"]
    # Another queue's escalation looks exactly like an unknown one.
    assert results[0]["reason"] == "unknown escalation 'esc-vip'"
    assert results[2]["reason"] == "unknown escalation 'esc-none'"
    again = await api.client.post(
        "/v1/ratings", json=batch, headers={**auth, "Idempotency-Key": "k-1"}
    )
    assert again.json() == answer.json()


async def test_an_unscoped_token_rates_any_queue(api):
    await api.escalate("esc-vip", queue="vip")
    answer = await api.client.post(
        "/v1/ratings", json={"ratings": [rating("esc-vip")]}, headers=api.auth()
    )
    assert answer.json()["results"][0]["status"] == "created"
