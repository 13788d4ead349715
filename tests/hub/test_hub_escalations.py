"""POST /v1/escalations (signing, idempotency, limits, schema) and the read/claim endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from support.hub import escalation_body, signed

from cxsidebar.core import (
    ClaimInfo,
    ErrorEnvelope,
    EscalationAccepted,
    EscalationContext,
    HistoryItem,
    Profile,
    QueueItem,
    Summary,
)

pytestmark = pytest.mark.anyio


def error_of(response) -> dict:
    return ErrorEnvelope.model_validate(response.json()).error.model_dump()


async def test_accepted_with_the_id_and_its_event(api):
    response = await api.post(escalation_body("esc-1"))
    assert response.status_code == 202
    accepted = EscalationAccepted.model_validate(response.json())
    assert accepted.id == "esc-1"
    events = api.storage.events_after(0, None, 10)
    assert [(e.id, e.type, e.escalation_id) for e in events] == [
        (accepted.event_id, "escalation.created", "esc-1")
    ]
    item = QueueItem.model_validate_json(events[0].data)
    assert item.customer_display_name == "Dana Customer"
    assert item.reasons[0].value == 740


async def test_same_webhook_id_gets_the_same_answer_and_no_duplicate(api):
    body = escalation_body("esc-1")
    first = await api.post(body, msg_id="msg_fixed")
    again = await api.post(body, msg_id="msg_fixed")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert len(api.storage.events_after(0, None, 10)) == 1
    assert len(api.storage.list_escalations(None, None)) == 1


async def test_same_escalation_under_a_new_webhook_id_gets_the_original_answer(api):
    first = await api.post(escalation_body("esc-1"), msg_id="msg_a")
    # Key order and whitespace differ: the comparison is on content.
    raw = json.dumps(escalation_body("esc-1"), indent=2, sort_keys=True).encode()
    again = await api.post(raw, msg_id="msg_b")
    assert again.status_code == 202
    assert again.json() == first.json()
    assert len(api.storage.events_after(0, None, 10)) == 1


async def test_same_escalation_id_with_a_different_body_is_a_conflict(api):
    await api.escalate("esc-1")
    response = await api.post(escalation_body("esc-1", channel="voice"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert "esc-1" in error_of(response)["message"]


async def test_same_webhook_id_with_a_different_body_is_a_conflict(api):
    await api.post(escalation_body("esc-1"), msg_id="msg_same")
    response = await api.post(escalation_body("esc-2"), msg_id="msg_same")
    assert response.status_code == 409
    assert "webhook-id" in error_of(response)["message"]
    assert [i.escalation_id for i in api.storage.list_escalations(None, None)] == ["esc-1"]


async def test_any_registered_source_may_sign(api):
    second = api.storage.add_source("second-bot")
    response = await api.post(escalation_body("esc-2"), secret=second)
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda h: h.pop("webhook-signature"), "missing"),
        (lambda h: h.pop("webhook-id"), "missing"),
        (lambda h: h.pop("webhook-timestamp"), "missing"),
        (lambda h: h.update({"webhook-signature": "v1,AAAA"}), "no valid signature"),
        (lambda h: h.update({"webhook-signature": "garbage"}), "no valid signature"),
        (lambda h: h.update({"webhook-timestamp": "yesterday"}), "Unix time"),
    ],
)
async def test_missing_or_bad_signature_is_401(api, mangle, message):
    raw, headers = signed(api.secret, escalation_body())
    mangle(headers)
    response = await api.client.post("/v1/escalations", content=raw, headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert message in error_of(response)["message"]
    assert api.storage.list_escalations(None, None) == []


async def test_signature_of_an_unknown_secret_is_401(api):
    from cxsidebar.hub import new_secret

    response = await api.post(escalation_body(), secret=new_secret())
    assert response.status_code == 401


async def test_a_tampered_body_is_401(api):
    raw, headers = signed(api.secret, escalation_body())
    tampered = raw.replace(b"Dana", b"Mallory")
    response = await api.client.post("/v1/escalations", content=tampered, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (timedelta(minutes=-6), 401),  # too old
        (timedelta(minutes=6), 401),  # too far in the future
        (timedelta(minutes=-4), 202),
        (timedelta(minutes=4), 202),
    ],
)
async def test_the_timestamp_must_be_within_five_minutes(api, offset, status):
    response = await api.post(escalation_body(), timestamp=datetime.now(UTC) + offset)
    assert response.status_code == status, response.text
    if status == 401:
        assert "webhook-timestamp is too" in error_of(response)["message"]


async def test_an_oversized_body_is_413_by_content_length_before_reading(api):
    limit = api.app.state.settings.max_body_bytes
    raw, headers = signed(api.secret, escalation_body(padding="x" * limit))
    response = await api.client.post("/v1/escalations", content=raw, headers=headers)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


async def test_an_oversized_chunked_body_is_413_while_streaming(api):
    limit = api.app.state.settings.max_body_bytes
    raw, headers = signed(api.secret, escalation_body(padding="x" * limit))
    sent: list[int] = []

    async def chunks():
        for start in range(0, len(raw), 4096):
            sent.append(start)
            yield raw[start : start + 4096]

    response = await api.client.post("/v1/escalations", content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert len(sent) * 4096 < len(raw) + 4096  # the hub stopped reading near the cap


async def test_schema_errors_are_422_naming_the_field(api):
    body = escalation_body()
    body["transcript"][0]["speaker"] = "narrator"
    del body["queue"]
    response = await api.post(body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    fields = {d["field"] for d in error["details"]}
    assert fields == {"transcript.0.speaker", "queue"}


async def test_a_body_that_is_not_json_is_422(api):
    response = await api.post(b"{not json")
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] is None
    assert "not valid JSON" in error_of(response)["details"][0]["message"]


async def test_a_body_that_is_not_utf8_is_refused_not_crashed(api):
    response = await api.client.post(
        "/v1/escalations",
        content=b"\xff\xfe",
        headers={"webhook-id": "m", "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
                 "webhook-signature": "v1,AAAA"},
    )  # fmt: skip
    assert response.status_code == 401
    assert "UTF-8" in error_of(response)["message"]


async def test_unknown_fields_of_a_bot_are_kept(api):
    await api.escalate("esc-1", crm_case="C-77")
    context = api.storage.get_context("esc-1")
    assert context is not None
    assert context.escalation.model_extra == {"crm_case": "C-77"}


async def test_list_is_oldest_first_and_filters_by_status_and_queue(api):
    await api.escalate("late", created_at="2025-03-01T12:00:00+02:00")  # 10:00 UTC
    await api.escalate("early", created_at="2025-03-01T09:30:00+00:00", queue="sales")
    await api.escalate("middle", created_at="2025-03-01T09:45:00+00:00")
    await api.client.post("/v1/escalations/middle/claim", headers=api.auth())

    async def ids(**params) -> list[str]:
        response = await api.client.get("/v1/escalations", params=params, headers=api.auth())
        assert response.status_code == 200
        return [item["escalation_id"] for item in response.json()["items"]]

    assert await ids() == ["early", "middle", "late"]
    assert await ids(status="open") == ["early", "late"]
    assert await ids(status="claimed") == ["middle"]
    assert await ids(queue="billing") == ["middle", "late"]
    assert await ids(queue=["sales", "billing"], status="open") == ["early", "late"]
    claimed = (await api.client.get("/v1/escalations", params={"status": "claimed"},
                                    headers=api.auth())).json()["items"][0]  # fmt: skip
    assert QueueItem.model_validate(claimed).claimed_by == "Alice"


async def test_a_bad_status_filter_is_422_naming_it(api):
    response = await api.client.get("/v1/escalations?status=lost", headers=api.auth())
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == "status"


async def test_context_joins_profile_history_newest_first_and_summary(api):
    await api.escalate("esc-1")
    api.storage.put_customer(Profile(id="cust-1", display_name="Dana", tier="gold", vip=True))
    older = HistoryItem(id="h1", kind="ticket", opened_at=datetime(2024, 1, 1, tzinfo=UTC))
    newer = HistoryItem(id="h2", kind="order", opened_at=datetime(2025, 1, 1, tzinfo=UTC))
    api.storage.put_history("cust-1", [older, newer])
    response = await api.client.get("/v1/escalations/esc-1", headers=api.auth())
    assert response.status_code == 200
    context = EscalationContext.model_validate(response.json())
    assert context.status == "open"
    assert context.profile is not None
    assert context.profile.tier == "gold"
    assert [h.id for h in context.history] == ["h2", "h1"]
    assert context.summary is None
    assert context.escalation.transcript[1].text == "One moment."

    api.storage.put_summary("esc-1", Summary(kind="extractive", text="Wants a refund."))
    again = EscalationContext.model_validate(
        (await api.client.get("/v1/escalations/esc-1", headers=api.auth())).json()
    )
    assert again.summary is not None
    assert again.summary.text == "Wants a refund."


async def test_context_without_a_crm_record_has_no_profile_and_no_history(api):
    await api.escalate("esc-1")
    response = await api.client.get("/v1/escalations/esc-1", headers=api.auth())
    body = response.json()
    assert body["profile"] is None
    assert body["history"] == []
    assert body["summary"] is None


async def test_unknown_escalation_is_404(api):
    response = await api.client.get("/v1/escalations/nope", headers=api.auth())
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    claim = await api.client.post("/v1/escalations/nope/claim", headers=api.auth())
    assert claim.status_code == 404


async def test_first_claim_wins_and_the_loser_learns_the_holder(api):
    await api.escalate("esc-1")
    first = await api.client.post("/v1/escalations/esc-1/claim", headers=api.auth())
    assert first.status_code == 200
    info = ClaimInfo.model_validate(first.json())
    assert (info.escalation_id, info.queue, info.claimed_by) == ("esc-1", "billing", "Alice")

    same = await api.client.post("/v1/escalations/esc-1/claim", headers=api.auth())
    assert same.status_code == 200
    assert same.json() == first.json()

    other = await api.client.post("/v1/escalations/esc-1/claim", headers=api.auth(api.other_agent))
    assert other.status_code == 409
    error = error_of(other)
    assert error["code"] == "already_claimed"
    assert error["claimed_by"] == "Alice"

    claimed = [e for e in api.storage.events_after(0, None, 10) if e.type == "escalation.claimed"]
    assert len(claimed) == 1
    assert ClaimInfo.model_validate_json(claimed[0].data) == info


async def test_tokens_restricted_to_queues_see_and_claim_only_those(api):
    await api.escalate("bill", queue="billing")
    await api.escalate("sell", queue="sales")
    sales = api.storage.create_token("agent", "Sam", ["sales"])
    listed = await api.client.get("/v1/escalations", headers=api.auth(sales))
    assert [i["escalation_id"] for i in listed.json()["items"]] == ["sell"]
    narrowed = await api.client.get(
        "/v1/escalations", params={"queue": ["sales", "billing"]}, headers=api.auth(sales)
    )
    assert [i["escalation_id"] for i in narrowed.json()["items"]] == ["sell"]
    forbidden = await api.client.get("/v1/escalations?queue=billing", headers=api.auth(sales))
    assert forbidden.status_code == 403
    # Another queue's escalation is answered like an unknown one: the token learns nothing.
    assert (
        await api.client.get("/v1/escalations/bill", headers=api.auth(sales))
    ).status_code == 404
    claim = await api.client.post("/v1/escalations/bill/claim", headers=api.auth(sales))
    assert claim.status_code == 404
    assert error_of(claim)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/escalations"),
        ("GET", "/v1/escalations/esc-1"),
        ("POST", "/v1/escalations/esc-1/claim"),
        ("POST", "/v1/ratings"),
        ("GET", "/v1/events"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic YTpi", "Bearer "])
async def test_missing_or_unknown_tokens_are_401(api, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = await api.client.request(method, path, headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
