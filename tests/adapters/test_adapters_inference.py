"""The inferred reasons: each rule fires on what the customer said, with configurable limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxsidebar.core import Reason, ReasonKind, Speaker, Turn
from cxsidebar.hub.adapters import InferenceRules, infer, merge

AT = datetime(2024, 6, 6, 12, 0, tzinfo=UTC)


def turn(text: str, intent: str | None = None, confidence: float | None = None,
         sentiment: float | None = None, speaker: Speaker = Speaker.CUSTOMER) -> Turn:  # fmt: skip
    return Turn(id=f"t-{text[:20]}-{intent}", at=AT, speaker=speaker, text=text, intent=intent,
                confidence=confidence, sentiment=sentiment)  # fmt: skip


def kinds(reasons: list[Reason]) -> list[ReasonKind]:
    return [reason.kind for reason in reasons]


RULES = InferenceRules()


def test_nothing_fires_on_a_plain_conversation():
    assert infer([turn("what are your opening hours", "hours", 0.95)], RULES) == []


def test_fallbacks_in_a_row_count_only_when_consecutive():
    apart = [turn("a", "nlu_fallback"), turn("b", "order", 0.9), turn("c", "nlu_fallback")]
    assert infer(apart, RULES) == []
    in_a_row = [turn("a", "order", 0.9), turn("b", "nlu_fallback"), turn("c", "pay", 0.2)]
    [reason] = infer(in_a_row, RULES)
    assert reason.kind is ReasonKind.MISUNDERSTOOD_INTENTS
    assert reason.value == 2


def test_the_run_length_and_confidence_are_configurable():
    turns = [turn("a", "pay", 0.5), turn("b", "pay", 0.55)]
    assert infer(turns, RULES) == []
    strict = InferenceRules(low_confidence=0.6, fallback_run=2)
    assert kinds(infer(turns, strict)) == [ReasonKind.MISUNDERSTOOD_INTENTS]
    assert infer([turn("a", "FallbackIntent")], InferenceRules(fallback_run=1)) != []


def test_fallback_intent_names_of_every_platform_are_known():
    for name in ("nlu_fallback", "sys.no-match-default", "AMAZON.FallbackIntent",
                 "FallbackIntent", "Fallback", "Default Fallback Intent"):  # fmt: skip
        reasons = infer([turn("x", name), turn("y", name)], RULES)
        assert kinds(reasons) == [ReasonKind.MISUNDERSTOOD_INTENTS], name


def test_asking_for_a_human_by_intent_or_keyword():
    by_intent = infer([turn("hmm", "agent_handoff", 0.9)], RULES)
    assert kinds(by_intent) == [ReasonKind.CUSTOMER_REQUEST]
    by_word = infer([turn("can I talk to a real person please", "chitchat", 0.9)], RULES)
    assert by_word[0].value == "real person"
    assert infer([turn("the humanities department", "info", 0.9)], RULES) == []  # whole words


def test_negative_sentiment_uses_the_last_three_scored_turns():
    turns = [turn("x", sentiment=-0.9), turn("y", sentiment=0.2), turn("z", sentiment=-0.3),
             turn("w", sentiment=-0.4)]  # fmt: skip
    assert infer(turns, RULES) == []  # mean of the last 3 is -0.17
    assert kinds(infer(turns, InferenceRules(negative_sentiment=-0.1))) == [
        ReasonKind.NEGATIVE_SENTIMENT
    ]


def test_keywords_are_listed_once_each():
    turns = [turn("This is URGENT"), turn("urgent!! I'm frustrated")]
    [reason] = infer(turns, RULES)
    assert reason.kind is ReasonKind.KEYWORD
    assert reason.detail == "keywords 'frustrated', 'urgent'"
    custom = InferenceRules(keywords=("lawyer",))
    assert infer(turns, custom) == []


def test_payment_threshold_from_customer_text_and_platform_amounts():
    assert infer([turn("I want to pay $499.99")], RULES) == []
    [reason] = infer([turn("pay $1,250.50 today")], RULES)
    assert (reason.kind, reason.value) == (ReasonKind.PAYMENT_THRESHOLD, 1250.5)
    [from_slot] = infer([turn("seven hundred")], RULES, amounts=[700.0])
    assert from_slot.value == 700
    bot_quotes = [turn("Your balance is $1,482.60", speaker=Speaker.BOT)]
    assert infer(bot_quotes, RULES) == []  # only the customer's amounts count
    assert infer([turn("pay $600")], InferenceRules(payment_threshold=1000)) == []


def test_merge_keeps_stated_reasons_and_adds_other_kinds():
    stated = [Reason(kind=ReasonKind.KEYWORD, detail="bot's own")]
    inferred = infer([turn("urgent, pay $900")], RULES)
    merged = merge(stated, inferred)
    assert merged[0].detail == "bot's own"
    assert kinds(merged) == [ReasonKind.KEYWORD, ReasonKind.PAYMENT_THRESHOLD]


@pytest.mark.parametrize(
    ("field", "value"),
    [("fallback_run", 0), ("low_confidence", 1.5), ("negative_sentiment", -2),
     ("payment_threshold", -1)],
)  # fmt: skip
def test_bad_rules_are_refused_naming_the_setting(field, value):
    with pytest.raises(ValueError, match=field):
        InferenceRules(**{field: value})
