"""Reasons inferred from the transcript when the platform does not state them.

Each rule looks only at what the customer said (and at payment amounts the
platform reports in slots or parameters); bot text quotes balances and limits
that are not the customer's request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cxsidebar.core import Reason, ReasonKind, Speaker, Turn

DEFAULT_FALLBACK_INTENTS = (
    "nlu_fallback", "out_of_scope", "none", "fallback", "fallbackintent",
    "amazon.fallbackintent", "sys.no-match-default", "sys.no-input-default",
    "default fallback intent", "default negative intent",
)  # fmt: skip
DEFAULT_HUMAN_INTENTS = (
    "agent_handoff", "human_handoff", "request_human", "talk_to_agent", "talk to agent",
    "speak_to_agent", "speaktoagent", "escalate", "live_agent",
)  # fmt: skip
DEFAULT_HUMAN_KEYWORDS = (
    "human", "real person", "a person", "an agent", "representative", "operator",
    "mitarbeiter",
)  # fmt: skip
DEFAULT_KEYWORDS = ("frustrated", "urgent", "complaint")

_MONEY = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class InferenceRules:
    """The thresholds and word lists; `[inference]` in the adapters config file overrides them."""

    fallback_run: int = 2  # this many fallback/low-confidence customer turns in a row
    low_confidence: float = 0.4  # a customer turn under this confidence counts as misunderstood
    fallback_intents: tuple[str, ...] = DEFAULT_FALLBACK_INTENTS
    human_intents: tuple[str, ...] = DEFAULT_HUMAN_INTENTS
    human_keywords: tuple[str, ...] = DEFAULT_HUMAN_KEYWORDS
    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    negative_sentiment: float = -0.5  # mean sentiment of the last 3 scored customer turns
    payment_threshold: float = 500.0

    def __post_init__(self) -> None:
        if self.fallback_run < 1:
            raise ValueError(f"fallback_run: expected 1 or more, got {self.fallback_run}")
        if not 0 <= self.low_confidence <= 1:
            raise ValueError(f"low_confidence: expected 0 to 1, got {self.low_confidence}")
        if not -1 <= self.negative_sentiment <= 1:
            raise ValueError(f"negative_sentiment: expected -1 to 1, got {self.negative_sentiment}")
        if self.payment_threshold < 0:
            raise ValueError(f"payment_threshold: expected 0 or more, got {self.payment_threshold}")


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", text.lower()) is not None


def infer(
    turns: Sequence[Turn], rules: InferenceRules, amounts: Sequence[float] = ()
) -> list[Reason]:
    """Every rule that fires, at most one reason per kind, in a fixed order."""
    customer = [turn for turn in turns if turn.speaker is Speaker.CUSTOMER]
    found = [
        _misunderstood(customer, rules),
        _asked_for_human(customer, rules),
        _negative(customer, rules),
        _keywords(customer, rules),
        _payment(customer, rules, amounts),
    ]
    return [reason for reason in found if reason is not None]


def merge(stated: Sequence[Reason], inferred: Sequence[Reason]) -> list[Reason]:
    """The stated reasons, then each inferred one whose kind was not stated."""
    kinds = {reason.kind for reason in stated}
    return [*stated, *(reason for reason in inferred if reason.kind not in kinds)]


def _is_fallback(turn: Turn, rules: InferenceRules) -> bool:
    fallback = {_norm(name) for name in rules.fallback_intents}
    if turn.intent is not None and _norm(turn.intent) in fallback:
        return True
    return turn.confidence is not None and turn.confidence < rules.low_confidence


def _misunderstood(customer: Sequence[Turn], rules: InferenceRules) -> Reason | None:
    run = longest = 0
    for turn in customer:
        run = run + 1 if _is_fallback(turn, rules) else 0
        longest = max(longest, run)
    if longest < rules.fallback_run:
        return None
    return Reason(
        kind=ReasonKind.MISUNDERSTOOD_INTENTS,
        detail=f"{longest} fallback or low-confidence (< {rules.low_confidence:g}) "
        "customer turns in a row",
        value=longest,
    )


def _asked_for_human(customer: Sequence[Turn], rules: InferenceRules) -> Reason | None:
    human = {_norm(name) for name in rules.human_intents}
    for turn in customer:
        if turn.intent is not None and _norm(turn.intent) in human:
            return Reason(
                kind=ReasonKind.CUSTOMER_REQUEST,
                detail=f"customer asked for a person (intent {turn.intent!r})",
                value=turn.intent,
            )
        for phrase in rules.human_keywords:
            if _has_phrase(turn.text, phrase):
                return Reason(
                    kind=ReasonKind.CUSTOMER_REQUEST,
                    detail=f"customer asked for a person ({phrase!r})",
                    value=phrase,
                )
    return None


def _negative(customer: Sequence[Turn], rules: InferenceRules) -> Reason | None:
    scored = [turn.sentiment for turn in customer if turn.sentiment is not None][-3:]
    if not scored:
        return None
    mean = round(sum(scored) / len(scored), 2)
    if mean > rules.negative_sentiment:
        return None
    return Reason(
        kind=ReasonKind.NEGATIVE_SENTIMENT,
        detail=f"mean sentiment {mean:g} over the last {len(scored)} scored customer turns",
        value=mean,
    )


def _keywords(customer: Sequence[Turn], rules: InferenceRules) -> Reason | None:
    hits: list[str] = []
    for keyword in rules.keywords:
        if keyword not in hits and any(_has_phrase(turn.text, keyword) for turn in customer):
            hits.append(keyword)
    if not hits:
        return None
    listed = ", ".join(f"'{hit}'" for hit in hits)
    return Reason(kind=ReasonKind.KEYWORD, detail=f"keywords {listed}", value=hits[0])


def _payment(
    customer: Sequence[Turn], rules: InferenceRules, amounts: Sequence[float]
) -> Reason | None:
    seen = list(amounts)
    for turn in customer:
        seen.extend(float(match.replace(",", "")) for match in _MONEY.findall(turn.text))
    over = [amount for amount in seen if amount > rules.payment_threshold]
    if not over:
        return None
    top = max(over)
    return Reason(
        kind=ReasonKind.PAYMENT_THRESHOLD,
        detail=f"payment ${top:,.2f} > ${rules.payment_threshold:,.2f} limit",
        value=top,
    )
