"""The demo scenarios are valid v1 escalations and cover the cases the sidebar must handle."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest

from cxsidebar import core
from cxsidebar.demo.scenarios import SCENARIOS, Scenario, by_key, customers, scenario_cycle

NOW = datetime(2025, 3, 14, 15, 9, 26, 535000, tzinfo=UTC)
REQUIRED = {
    "billing-prorated-refund",
    "suspected-fraud",
    "password-reset-failed",
    "lost-parcel",
    "healthcare-claim",
    "payment-over-limit",
    "angry-customer",
    "repeat-contact",
    "german-cancellation",
    "long-troubleshooting",
    "hostile-text",
    "no-crm-record",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def reasons_of(escalation: core.Escalation, kind: core.ReasonKind) -> list[core.Reason]:
    return [reason for reason in escalation.reasons if reason.kind is kind]


def all_text(escalation: core.Escalation) -> str:
    return "\n".join(turn.text for turn in escalation.transcript)


@pytest.fixture(params=SCENARIOS, ids=lambda scenario: scenario.key)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return request.param


def test_every_required_scenario_is_there_and_keys_are_unique():
    keys = [scenario.key for scenario in SCENARIOS]
    assert len(keys) == len(set(keys))
    assert set(keys) >= REQUIRED


def test_scenario_round_trips_as_a_v1_escalation(scenario: Scenario):
    escalation = scenario.escalation(NOW, 7)
    again = core.Escalation.model_validate(escalation.model_dump(mode="json"))
    assert again == escalation
    assert core.Escalation.model_validate_json(escalation.model_dump_json()) == escalation
    assert escalation.id == f"esc-{scenario.key}-7"
    assert escalation.created_at == NOW
    assert escalation.bot.flow == scenario.flow
    assert escalation.bot.note_to_agent
    assert escalation.reasons, "every escalation says why the bot gave up"
    assert escalation.channel in {"chat", "voice", "email"}


def test_same_inputs_give_the_same_body(scenario: Scenario):
    # The hub answers a re-post of the same id and body with the original 202, not a 409.
    assert scenario.escalation(NOW, 3) == scenario.escalation(NOW, 3)


def test_turns_are_chronological_and_before_the_escalation(scenario: Scenario):
    escalation = scenario.escalation(NOW, 1)
    times = [turn.at for turn in escalation.transcript]
    assert len(times) >= 5
    assert times == sorted(times)
    assert times[-1] < escalation.created_at
    assert len({turn.id for turn in escalation.transcript}) == len(times)
    speakers = {turn.speaker for turn in escalation.transcript}
    assert core.Speaker.CUSTOMER in speakers
    assert core.Speaker.BOT in speakers


def test_customer_turns_carry_intents_and_some_are_misunderstood(scenario: Scenario):
    turns = scenario.escalation(NOW, 1).transcript
    scored = [turn for turn in turns if turn.speaker is core.Speaker.CUSTOMER and turn.intent]
    assert scored
    assert all(turn.confidence is not None for turn in scored)
    if any(r.kind is core.ReasonKind.MISUNDERSTOOD_INTENTS for r in scenario.reasons):
        assert any(turn.confidence < 0.4 for turn in scored)


def test_ids_are_unique_per_seq():
    ids = [
        scenario.escalation(NOW, seq).id
        for seq, scenario in itertools.islice(scenario_cycle(), 3 * len(SCENARIOS))
    ]
    assert len(ids) == len(set(ids))


def test_scenario_cycle_is_round_robin_from_start():
    first = list(itertools.islice(scenario_cycle(100), len(SCENARIOS) + 2))
    assert [seq for seq, _ in first] == list(range(100, 100 + len(SCENARIOS) + 2))
    assert [s for _, s in first] == [*SCENARIOS, SCENARIOS[0], SCENARIOS[1]]
    two = SCENARIOS[:2]
    assert [s.key for _, s in itertools.islice(scenario_cycle(scenarios=two), 3)] == [
        two[0].key,
        two[1].key,
        two[0].key,
    ]


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        SCENARIOS[0].escalation(datetime(2025, 1, 1), 1)


def test_fraud_is_flagged_as_fraud():
    escalation = by_key("suspected-fraud").escalation(NOW, 1)
    assert escalation.queue == "fraud"
    keywords = reasons_of(escalation, core.ReasonKind.KEYWORD)
    assert any(reason.value == "fraud" for reason in keywords)
    assert "fraud" in all_text(escalation)


def test_healthcare_claim_is_a_sensitive_topic():
    escalation = by_key("healthcare-claim").escalation(NOW, 1)
    assert escalation.queue == "claims"
    assert reasons_of(escalation, core.ReasonKind.SENSITIVE_TOPIC)


def test_payment_is_over_the_limit():
    escalation = by_key("payment-over-limit").escalation(NOW, 1)
    [reason] = reasons_of(escalation, core.ReasonKind.PAYMENT_THRESHOLD)
    assert isinstance(reason.value, float)
    assert reason.value > 500
    assert reason.detail == "payment $740 > $500 limit"


def test_angry_customer_has_keyword_and_strong_negative_sentiment():
    escalation = by_key("angry-customer").escalation(NOW, 1)
    [sentiment] = reasons_of(escalation, core.ReasonKind.NEGATIVE_SENTIMENT)
    assert isinstance(sentiment.value, float)
    assert sentiment.value <= -0.8
    keywords = {str(reason.value) for reason in reasons_of(escalation, core.ReasonKind.KEYWORD)}
    assert keywords & {"complaint", "frustrated"}
    customer_sentiments = [t.sentiment for t in escalation.transcript if t.sentiment is not None]
    assert min(customer_sentiments) <= -0.8


def test_repeat_contact_history_shows_the_same_flow_within_a_week():
    scenario = by_key("repeat-contact")
    now = datetime.now(UTC)
    escalation = scenario.escalation(now, 1)
    recent = [
        item
        for item in scenario.history
        if item.flow == escalation.bot.flow and now - timedelta(days=7) <= item.opened_at < now
    ]
    assert recent


def test_non_english_customer_writes_in_their_language():
    escalation = by_key("german-cancellation").escalation(NOW, 1)
    assert escalation.language != "en"
    scenario = by_key("german-cancellation")
    assert scenario.profile is not None
    assert scenario.profile.language == escalation.language
    assert "Vertrag" in all_text(escalation)


def test_long_transcript_has_thousands_of_turns():
    escalation = by_key("long-troubleshooting").escalation(NOW, 1)
    assert len(escalation.transcript) >= 2000
    texts = [turn.text for turn in escalation.transcript]
    assert len(set(texts)) > 50, "a plausible session, not one line repeated"
    # Deterministic: a second module-level build gives the same conversation.
    assert by_key("long-troubleshooting").escalation(NOW, 1) == escalation


def test_hostile_text_is_really_hostile():
    escalation = by_key("hostile-text").escalation(NOW, 1)
    text = all_text(escalation)
    assert "<script" in text
    assert "\u202e" in text
    assert CONTROL.search(text)
    assert "\x00" in text
    assert "\x1b[31m" in text
    assert 'href="file:///etc/passwd"' in text
    assert "onerror" in text
    assert "\u200b" in text
    assert "<" in escalation.customer.display_name
    # clean_text makes it displayable without losing the markup, which must show literally.
    cleaned = core.clean_text(text)
    assert not CONTROL.search(cleaned)
    assert "<script>" in cleaned
    assert "[RLO]" in cleaned


def test_no_crm_record_means_no_profile_and_no_history():
    scenario = by_key("no-crm-record")
    assert scenario.profile is None
    assert scenario.history == ()
    ids = {profile.id for profile, _ in customers()}
    assert scenario.customer.id not in ids


def test_other_channels_are_covered():
    channels = {scenario.channel for scenario in SCENARIOS}
    assert {"chat", "voice", "email"} <= channels
    platforms = {scenario.platform for scenario in SCENARIOS}
    assert platforms >= {
        "rasa",
        "dialogflow-cx",
        "lex-v2",
        "copilot-studio",
        "botpress",
        "chatwoot",
    }


def test_customers_are_the_profiles_with_their_history():
    records = customers()
    ids = [profile.id for profile, _ in records]
    assert len(ids) == len(set(ids))
    for scenario in SCENARIOS:
        if scenario.profile is not None:
            assert scenario.profile.id == scenario.customer.id
            assert (scenario.profile, scenario.history) in records
    for profile, history in records:
        core.Profile.model_validate(profile.model_dump(mode="json"))
        assert profile.consent
        for item in history:
            core.HistoryItem.model_validate(item.model_dump(mode="json"))
            assert item.closed_at is None or item.closed_at >= item.opened_at


def test_by_key_names_unknown_scenarios():
    with pytest.raises(KeyError, match="nope"):
        by_key("nope")
