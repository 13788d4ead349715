"""Each platform's fixture (written from its documentation) maps to the expected v1 escalation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from adapters_conftest_helpers import mapped

from cxsidebar.core import ReasonKind, Speaker
from cxsidebar.hub.adapters import ADAPTERS, PLATFORMS

C, B, S = Speaker.CUSTOMER, Speaker.BOT, Speaker.SYSTEM


def lines(escalation):
    return [(turn.speaker, turn.text) for turn in escalation.transcript]


def kinds(escalation):
    return [reason.kind for reason in escalation.reasons]


def test_the_registry_serves_every_platform_and_cites_its_documentation():
    assert tuple(ADAPTERS) == PLATFORMS
    for adapter in ADAPTERS.values():
        assert adapter.doc_url.startswith("https://")
        assert adapter.mapping, adapter.name


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_fixture_cites_its_documentation_page(platform):
    from adapters_conftest_helpers import payload

    assert "https://" in payload(platform)["_source"]


def test_rasa_tracker():
    e = mapped("rasa")
    assert e.id == "rasa-c3a1f2e4-5b6d-4e8f-9a0b-1c2d3e4f5a6b-1717660842210"
    assert e.customer.id == "cus-2001"  # from slots.cxsidebar, over sender_id
    assert e.customer.display_name == "Robin Ortiz"
    assert e.bot.platform == "rasa"
    assert e.bot.flow == "payment_form"  # the active loop
    assert e.bot.note_to_agent.startswith("Wants to pay $740")
    assert e.created_at == datetime.fromtimestamp(1717660842.21, UTC)
    assert lines(e) == [
        (C, "I want to pay my bill"),
        (B, "How much would you like to pay?"),
        (C, "all of it, $740"),
        (B, "Sorry, I didn't get that. Which account do you want to pay from?"),
        (C, "I already told you, I want to pay the whole thing now"),
        (S, "action: action_handoff_to_agent"),
    ]
    first = e.transcript[0]
    assert (first.intent, first.confidence) == ("make_payment", 0.94)
    assert e.transcript[0].at == datetime.fromtimestamp(1717660801.44, UTC)
    assert kinds(e) == [ReasonKind.MISUNDERSTOOD_INTENTS, ReasonKind.PAYMENT_THRESHOLD]
    assert e.reasons[1].value == 740


def test_dialogflow_cx_webhook_request():
    e = mapped("dialogflow-cx")
    assert e.id == "dialogflow-cx-web-8842-aa91-7f0e2a5c-91d3-4c2b-8f5e-2b0d6a9c4e11"
    assert e.queue == "orders"  # liveAgentHandoff.metadata.queue
    assert e.customer.id == "web-8842-aa91"
    assert e.customer.display_name == "Sam Lee"
    assert e.bot.flow == "Order status"
    assert e.language == "en"
    assert e.created_at == datetime(2024, 6, 6, 9, 14, 51, 300000, tzinfo=UTC)
    assert [speaker for speaker, _ in lines(e)] == [C, B, C, B, C, B]
    last = e.transcript[4]
    assert (last.intent, last.confidence) == ("Default Negative Intent", 0.29)
    assert last.sentiment == -0.7
    assert e.transcript[0].intent == "order.status"
    assert kinds(e) == [
        ReasonKind.MISUNDERSTOOD_INTENTS,
        ReasonKind.CUSTOMER_REQUEST,
        ReasonKind.NEGATIVE_SENTIMENT,
    ]


def test_dialogflow_cx_without_a_transcript_uses_this_turn():
    from adapters_conftest_helpers import payload

    body = payload("dialogflow-cx")
    del body["payload"]
    e = mapped("dialogflow-cx", body)
    assert lines(e) == [
        (C, "this is the third time I'm asking, get me a human"),
        (B, "Let me connect you with someone from our team."),
    ]
    assert (e.transcript[0].intent, e.transcript[0].sentiment) == ("Default Negative Intent", -0.7)


def test_lex_v2_as_amazon_connect_passes_it():
    e = mapped("lex-v2")
    assert e.channel == "voice"  # inputMode Speech
    assert e.language == "en-US"
    assert e.customer.id == "cus-3107"
    assert e.bot.flow == "DisputeCharge"
    assert lines(e) == [
        (C, "there is a charge I don't recognise"),
        (B, "I can help with that. What is the amount of the charge?"),
        (C, "eight hundred twelve dollars"),
        (B, "Sorry, which card was it charged to?"),
        (C, "this is a complaint I want someone now"),
        (B, "I'm transferring you to an agent."),
    ]
    assert e.transcript[0].confidence == 0.88  # {"score": n} as the runtime API spells it
    assert e.transcript[4].sentiment == pytest.approx(-0.92)
    assert kinds(e) == [
        ReasonKind.MISUNDERSTOOD_INTENTS,
        ReasonKind.NEGATIVE_SENTIMENT,
        ReasonKind.KEYWORD,
        ReasonKind.PAYMENT_THRESHOLD,
    ]
    assert e.reasons[-1].value == 812  # the ChargeAmount slot


def test_copilot_studio_handoff_initiate():
    e = mapped("copilot-studio")
    assert e.id == "copilot-studio-A3kF9cQe2Ty-0000007"
    assert e.bot.flow == "Cancel subscription"
    assert e.bot.note_to_agent == "Customer wants to cancel; retention offer declined."
    assert e.customer.id == "dl_u-5521"
    assert e.customer.display_name == "Kim Park"
    assert e.language == "en-us"
    assert e.created_at == datetime(2024, 6, 6, 11, 20, 44, 512000, tzinfo=UTC)
    assert [speaker for speaker, _ in lines(e)] == [C, B, C, B, C]  # trace and update skipped
    assert [t.intent for t in e.transcript if t.speaker is C] == [
        "Greeting", "Cancel subscription", "Escalate",
    ]  # fmt: skip
    assert e.transcript[0].source_id == "A3kF9cQe2Ty|0000001"
    assert kinds(e) == [ReasonKind.CUSTOMER_REQUEST]


def test_chatwoot_conversation_status_changed():
    e = mapped("chatwoot")
    assert e.id == "chatwoot-7-4471-1717675540"
    assert e.customer.id == "cus-4410"
    assert e.customer.display_name == "Jo Fields"
    assert e.bot.note_to_agent == "Damaged parcel; replacement needed before tomorrow."
    assert lines(e) == [
        (C, "My package arrived broken"),
        (B, "I'm sorry to hear that! Can you send a photo of the damage?"),
        (C, "this is urgent, it was a gift for tomorrow. I'm really frustrated"),
        (S, "Conversation was reopened by AgentBot"),
    ]  # the private note is not shown
    assert kinds(e) == [ReasonKind.KEYWORD]
    assert "'frustrated', 'urgent'" in e.reasons[0].detail


def test_botpress_create_remote_conversation():
    e = mapped("botpress")
    assert e.customer.id == "user_01HZX8K2B7C3D9E4F6G8H1J2K3"
    assert e.customer.display_name == "Lee Morgan"
    assert e.bot.flow == "Refund request"
    assert e.bot.note_to_agent.startswith("User asks for a refund")
    assert [speaker for speaker, _ in lines(e)] == [C, B, C, S, B]
    assert kinds(e) == [ReasonKind.PAYMENT_THRESHOLD]
    assert e.reasons[0].value == 620


@pytest.mark.parametrize("platform", PLATFORMS)
def test_mapping_is_deterministic(platform):
    """The same payload maps to the same escalation, so a re-post is not a conflict."""
    assert mapped(platform) == mapped(platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_stated_reasons_come_first_and_inferred_kinds_are_not_repeated(platform):
    from adapters_conftest_helpers import payload, with_hints

    stated = {"kind": "keyword", "detail": "the bot said so", "value": "refund"}
    body = with_hints(platform, payload(platform), {"reasons": [stated], "queue": "vip"})
    e = mapped(platform, body)
    assert e.reasons[0].model_dump(exclude_none=True) == stated
    assert kinds(e).count(ReasonKind.KEYWORD) == 1
    assert e.queue == "vip"
    json.dumps(e.model_dump(mode="json"))
