"""POST /v1/adapters/{platform}/escalations: the same signing, idempotency, limits and
error envelope as /v1/escalations; malformed payloads are 422s naming the source field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from adapters_conftest_helpers import make_api, payload

from cxsidebar.core import ErrorEnvelope, EscalationAccepted, EscalationContext
from cxsidebar.hub.adapters import PLATFORMS, parse_adapters_config

pytestmark = pytest.mark.anyio


def error_of(response) -> dict:
    assert response.headers["content-type"].startswith("application/json")
    return ErrorEnvelope.model_validate(response.json()).error.model_dump()


def fields_of(response) -> list[str | None]:
    return [detail["field"] for detail in error_of(response)["details"]]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_each_fixture_is_accepted_and_served(adapter_api, platform):
    response = await adapter_api.post(platform, payload(platform))
    assert response.status_code == 202, response.text
    accepted = EscalationAccepted.model_validate(response.json())
    context = EscalationContext.model_validate(await adapter_api.context(accepted.id))
    assert context.escalation.bot.platform == platform
    assert context.escalation.transcript
    assert context.escalation.reasons


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_idempotent_like_v1(adapter_api, platform):
    body = payload(platform)
    first = await adapter_api.post(platform, body, msg_id="msg_same")
    again = await adapter_api.post(platform, body, msg_id="msg_same")
    new_delivery = await adapter_api.post(platform, body, msg_id="msg_other")
    assert first.status_code == again.status_code == new_delivery.status_code == 202
    assert first.json() == again.json() == new_delivery.json()
    assert len(adapter_api.storage.events_after(0, None, 10)) == 1


async def test_a_changed_payload_under_the_same_handoff_is_a_conflict(adapter_api):
    body = payload("botpress")
    assert (await adapter_api.post("botpress", body)).status_code == 202
    body["payload"]["description"] = "something else"
    response = await adapter_api.post("botpress", body)
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


async def test_unknown_platform_is_a_404_envelope(adapter_api):
    response = await adapter_api.post("genesys", payload("rasa"))
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "genesys" in error["message"]
    assert "rasa" in error["message"]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_unsigned_wrongly_signed_and_stale_are_401(adapter_api, platform):
    raw = json.dumps(payload(platform)).encode()
    unsigned = await adapter_api.client.post(
        f"/v1/adapters/{platform}/escalations", content=raw,
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert unsigned.status_code == 401
    assert error_of(unsigned)["code"] == "unauthorized"
    wrong = await adapter_api.post(platform, payload(platform), secret="whsec_" + "A" * 44)
    assert wrong.status_code == 401
    stale = await adapter_api.post(
        platform, payload(platform), timestamp=datetime.now(UTC) - timedelta(minutes=6)
    )
    assert stale.status_code == 401
    assert adapter_api.storage.events_after(0, None, 10) == []


async def test_the_body_limit_applies_before_parsing(adapter_api):
    body = payload("botpress")
    body["payload"]["description"] = "x" * (300 * 1024)
    response = await adapter_api.post("botpress", body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"), (b'"text"', "JSON object")],
)
async def test_bodies_that_are_not_a_json_object_are_422(adapter_api, platform, raw, message):
    response = await adapter_api.post(platform, raw)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert message in error["details"][0]["message"]


def _set(body: dict, path: str, value: object) -> dict:
    body = copy.deepcopy(body)
    parts = path.split(".")
    target = body
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if value is DELETE:
        del target[int(last) if isinstance(target, list) else last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


DELETE = object()

MALFORMED = [
    ("rasa", "sender_id", DELETE, "sender_id"),
    ("rasa", "events", [], "events"),
    ("rasa", "events.3.timestamp", "yesterday", "events.3.timestamp"),
    ("rasa", "events.3.parse_data.intent.confidence", 7, "events.3.parse_data.intent.confidence"),
    ("rasa", "slots.cxsidebar", "{broken", "slots.cxsidebar"),
    ("rasa", "slots.cxsidebar", {"reasons": [{"kind": "angry"}]}, "slots.cxsidebar.reasons.0.kind"),
    ("dialogflow-cx", "sessionInfo", DELETE, "sessionInfo"),
    ("dialogflow-cx", "detectIntentResponseId", "", "detectIntentResponseId"),
    ("dialogflow-cx", "payload.transcript.0.participantRole", "ROBOT",
     "payload.transcript.0.participantRole"),
    ("dialogflow-cx", "payload.transcript.1.createTime", "2024-06-06T09:14:03",
     "payload.transcript.1.createTime"),
    ("dialogflow-cx", "messages.1.liveAgentHandoff.metadata", {"queue": ""},
     "messages.1.liveAgentHandoff.metadata.queue"),
    ("lex-v2", "sessionId", 42, "sessionId"),
    ("lex-v2", "bot", DELETE, "bot"),
    ("lex-v2", "transcript.1.interpretations.0.nluConfidence", 1.5,
     "transcript.1.interpretations.0.nluConfidence"),
    ("lex-v2", "sessionState.sessionAttributes.cxsidebar", "not json",
     "sessionState.sessionAttributes.cxsidebar"),
    ("copilot-studio", "name", "handoff.completed", "name"),
    ("copilot-studio", "value.va_ConversationId", DELETE, "value.va_ConversationId"),
    ("copilot-studio", "attachments.0.content.activities", "none",
     "attachments.0.content.activities"),
    ("copilot-studio", "timestamp", DELETE, "timestamp"),
    ("chatwoot", "event", "message_created", "event"),
    ("chatwoot", "status", "resolved", "status"),
    ("chatwoot", "meta", DELETE, "meta"),
    ("chatwoot", "messages.0.message_type", 9, "messages.0.message_type"),
    ("chatwoot", "messages.1.created_at", "soon", "messages.1.created_at"),
    ("botpress", "type", "closeRemoteTicket", "type"),
    ("botpress", "payload.userId", DELETE, "payload.userId"),
    ("botpress", "payload.messages.0.text", None, "payload.messages.0.text"),
    ("botpress", "payload.cxsidebar", {"reasons": "many"}, "payload.cxsidebar.reasons"),
]  # fmt: skip


@pytest.mark.parametrize(("platform", "path", "value", "field"), MALFORMED)
async def test_malformed_payloads_are_422_naming_the_field(
    adapter_api, platform, path, value, field
):
    response = await adapter_api.post(platform, _set(payload(platform), path, value))
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "validation_error"
    assert field in fields_of(response)
    assert adapter_api.storage.events_after(0, None, 10) == []


async def test_a_mapped_escalation_the_v1_schema_refuses_is_422(adapter_api):
    body = payload("botpress")
    body["payload"]["messages"][0]["text"] = "x" * 100_001  # over the v1 turn limit
    response = await adapter_api.post("botpress", body)
    assert response.status_code == 422
    assert "mapped escalation: transcript.0.text" in fields_of(response)


async def test_routing_rules_and_default_queue_from_the_config(adapter_storage):
    config = parse_adapters_config({
        "sources": {
            "rasa": {"default_queue": "payments", "routes": [
                {"field": "slots.department", "equals": "sales", "queue": "sales"},
            ]},
            "chatwoot": {"default_queue": "care", "routes": [
                {"field": "meta.sender.custom_attributes.plan", "equals": "plus", "queue": "vip"},
                {"field": "inbox_id", "equals": 3, "queue": "web"},
            ]},
        }
    })  # fmt: skip
    async for api in make_api(adapter_storage, config):
        rasa = await api.post("rasa", payload("rasa"))  # department is billing: no rule fires
        chatwoot = await api.post("chatwoot", payload("chatwoot"))
        lex = await api.post("lex-v2", payload("lex-v2"))  # no config for lex-v2
        queues = [
            (await api.context(answer.json()["id"]))["escalation"]["queue"]
            for answer in (rasa, chatwoot, lex)
        ]
        assert queues == ["payments", "vip", "default"]


async def test_the_adapter_endpoint_is_in_the_openapi(adapter_api):
    spec = (await adapter_api.client.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/adapters/{platform}/escalations"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers
    assert {"202", "401", "404", "409", "413", "422"} <= set(operation["responses"])
