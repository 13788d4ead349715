"""The extractive summariser: deterministic, offline, and the fallback for the LLM.

It quotes the transcript rather than paraphrasing it: the issue is the
customer's own first substantive sentence, wants and bot attempts are the
sentences that carry request and action cues, and facts are the ids, amounts
and dates the customer typed. Every statement cites the turn it came from.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime

from cxsidebar.core import (
    Escalation,
    Profile,
    ReasonKind,
    Speaker,
    Summary,
    SummaryProvenance,
    Turn,
    clean_text,
)

from ._draft import DraftStatement, SummaryDraft, finish, not_enough

PROMPT_VERSION = "extractive-1"
MAX_SENTENCE = 220
MIN_CUSTOMER_WORDS = 4

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WANT = re.compile(
    r"(?i)\b(i\s+want|i\s+need|i'd\s+like|i\s+would\s+like|please|can\s+you|could\s+you|refund|"
    r"cancel|speak\s+to|talk\s+to|human|agent|person|representative|quiero|necesito|möchte|bitte)\b"
)
_TRIED = re.compile(
    r"(?i)\b(i\s+can|i've|i\s+have|let\s+me|i\s+will|i'll|try|tried|reset|sent|offer|checked|"
    r"found|booked|resend|verify|connecting)\b"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Reference", re.compile(r"\b(?=[A-Z0-9-]*\d)[A-Z]{1,6}[-#]?\d[A-Z0-9-]{2,}\b")),
    ("Username", re.compile(r"\b[A-Za-z][A-Za-z.]*_\w*\d\w*\b")),
    (
        "Amount",
        re.compile(
            r"(?:[$€£]\s?\d[\d,]*(?:\.\d{1,2})?|"
            r"\b\d[\d,]*(?:\.\d{1,2})?\s?(?:EUR|USD|GBP|euros?|dollars?|pounds?)\b)",
            re.I,
        ),
    ),
    (
        "Date",
        re.compile(
            rf"\b(?:\d{{1,2}}[/.]\d{{1,2}}(?:[/.]\d{{2,4}})?|\d{{4}}-\d{{2}}-\d{{2}}|"
            rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?)\b",
            re.I,
        ),
    ),
    ("Time", re.compile(r"\b\d{1,2}:\d{2}\b")),
    ("Card ending", re.compile(r"(?<=ending )\d{4}\b|(?<=ends in )\d{4}\b")),
    ("Number", re.compile(r"\b\d{5,}\b")),
)
_NEXT_STEPS = {
    ReasonKind.PAYMENT_THRESHOLD: "Review the payment the bot was not allowed to handle.",
    ReasonKind.SENSITIVE_TOPIC: "Handle the sensitive topic under the applicable policy.",
    ReasonKind.MISUNDERSTOOD_INTENTS: "Confirm the request; the bot misunderstood the customer.",
    ReasonKind.NEGATIVE_SENTIMENT: "Acknowledge the frustration before solving the request.",
    ReasonKind.KEYWORD: "Address the concern the customer raised explicitly.",
    ReasonKind.CUSTOMER_REQUEST: "The customer asked for a person: take over the conversation.",
    ReasonKind.BOT_FAILURE: "Finish the task the bot could not complete.",
}


def _sentences(turn: Turn) -> list[str]:
    text = clean_text(turn.text, single_line=True)
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    cut = sentence[:MAX_SENTENCE].rsplit(" ", 1)[0]
    return cut + " …"


def _first_matching(turn: Turn, pattern: re.Pattern[str]) -> str | None:
    for sentence in _sentences(turn):
        if pattern.search(sentence):
            return _clip(sentence)
    return None


def input_hash(escalation: Escalation) -> str:
    digest = hashlib.sha256()
    for turn in escalation.transcript:
        digest.update(f"{turn.id}\x1f{turn.speaker}\x1f{turn.text}\x1e".encode())
    return digest.hexdigest()


def enough_conversation(escalation: Escalation) -> bool:
    customer = [t for t in escalation.transcript if t.speaker is Speaker.CUSTOMER]
    words = sum(len(t.text.split()) for t in customer)
    return len(escalation.transcript) >= 2 and words >= MIN_CUSTOMER_WORDS


class ExtractiveSummariser:
    kind = "extractive"

    def summarise(self, escalation: Escalation, profile: Profile | None = None) -> Summary:
        started_at, started = datetime.now(UTC), time.perf_counter()
        provenance = SummaryProvenance(
            summariser=self.kind,
            prompt_version=PROMPT_VERSION,
            input_hash=input_hash(escalation),
            started_at=started_at,
            took_ms=0.0,
        )
        if not enough_conversation(escalation):
            took = (time.perf_counter() - started) * 1000
            return not_enough(
                self.kind, provenance.model_copy(update={"took_ms": took}), started_at
            )
        draft = self.draft(escalation)
        turns = {t.id: clean_text(t.text, single_line=True) for t in escalation.transcript}
        summary = finish(draft, turns, kind=self.kind, provenance=provenance, created_at=started_at)
        took = (time.perf_counter() - started) * 1000
        assert summary.provenance is not None
        return summary.model_copy(
            update={"provenance": summary.provenance.model_copy(update={"took_ms": took})}
        )

    def draft(self, escalation: Escalation) -> SummaryDraft:
        customer = [
            t for t in escalation.transcript if t.speaker is Speaker.CUSTOMER and t.text.strip()
        ]
        bot = [t for t in escalation.transcript if t.speaker is Speaker.BOT and t.text.strip()]
        return SummaryDraft(
            issue=self._issue(customer),
            wants=self._cued(customer, _WANT, limit=3, newest_first=True),
            bot_tried=self._cued(bot, _TRIED, limit=3, newest_first=False),
            facts=self._facts(customer, bot),
            sentiment=self._sentiment(customer),
            next_step=self._next_step(escalation, customer),
        )

    @staticmethod
    def _issue(customer: list[Turn]) -> DraftStatement | None:
        for turn in customer:
            sentences = _sentences(turn)
            if sentences and len(" ".join(sentences).split()) >= MIN_CUSTOMER_WORDS:
                return DraftStatement(text=_clip(" ".join(sentences[:2])), cites=[turn.id])
        return None

    @staticmethod
    def _cued(
        turns: list[Turn], pattern: re.Pattern[str], *, limit: int, newest_first: bool
    ) -> list[DraftStatement]:
        found: list[DraftStatement] = []
        seen: set[str] = set()
        for turn in reversed(turns) if newest_first else turns:
            sentence = _first_matching(turn, pattern)
            if sentence and sentence.lower() not in seen:
                seen.add(sentence.lower())
                found.append(DraftStatement(text=sentence, cites=[turn.id]))
            if len(found) == limit:
                break
        return found

    @staticmethod
    def _facts(customer: list[Turn], bot: list[Turn]) -> list[DraftStatement]:
        """Values the agent must not ask for again: the customer's first, then the bot's."""
        facts: list[DraftStatement] = []
        seen: set[str] = set()
        for turn in customer + bot:
            text = clean_text(turn.text, single_line=True)
            for kind, pattern in _FACT_PATTERNS:
                for match in pattern.finditer(text):
                    value = match.group(0).strip()
                    key = re.sub(r"\W", "", value).lower()
                    if key in seen or any(key in s for s in seen):
                        continue
                    seen.add(key)
                    facts.append(DraftStatement(text=f"{kind}: {value}", cites=[turn.id]))
                    if len(facts) == 12:
                        return facts
        return facts

    @staticmethod
    def _sentiment(customer: list[Turn]) -> DraftStatement | None:
        rated = [t for t in customer if t.sentiment is not None]
        if not rated:
            return None
        mean = sum(t.sentiment for t in rated if t.sentiment is not None) / len(rated)
        worst = sorted(rated, key=lambda t: t.sentiment or 0.0)[:3]
        if mean <= -0.5:
            text = "The customer is upset."
        elif mean <= -0.15:
            text = "The customer is somewhat negative."
        elif mean >= 0.3:
            text = "The customer is positive."
        else:
            text = "The customer is neutral."
        return DraftStatement(text=text, cites=[t.id for t in worst])

    @staticmethod
    def _next_step(escalation: Escalation, customer: list[Turn]) -> DraftStatement | None:
        if not customer:
            return None
        for reason in escalation.reasons:
            step = _NEXT_STEPS.get(reason.kind)
            if step:
                return DraftStatement(text=step, cites=[customer[-1].id])
        return DraftStatement(
            text="Pick up from the customer's last message.", cites=[customer[-1].id]
        )
