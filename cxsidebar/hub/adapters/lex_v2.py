"""Amazon Lex V2 as Amazon Connect invokes it: the code-hook event at the transfer turn,
with the earlier turns as Lex V2 conversation-log records."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field

from cxsidebar.core import Speaker
from cxsidebar.hub.adapters.base import (
    HINTS_KEY,
    Adapter,
    Draft,
    DraftTurn,
    Hints,
    HintsField,
    Source,
    amounts_in,
    parse,
)
from cxsidebar.hub.adapters.config import SourceConfig

DOC_URL = "https://docs.aws.amazon.com/lexv2/latest/dg/lambda-input-format.html"
LOG_DOC_URL = "https://docs.aws.amazon.com/lexv2/latest/dg/conversation-logs.html"

MAPPING = (
    ("sessionId", "customer.id (the Connect contact id, unless cxsidebar.customer_id); "
     "escalation id"),
    ("bot.localeId", "language (en_US → en-US)"),
    ("inputMode", "channel (Speech/DTMF voice, Text chat)"),
    ("sessionState.intent.name", "bot.flow"),
    ("sessionState.intent.slots.*amount*", "payment amounts for inference"),
    ("transcript[].timestamp", "transcript[].at; the last one is created_at"),
    ("transcript[].inputTranscript", "transcript[].text, speaker customer"),
    ("transcript[].interpretations[0].intent.name", "transcript[].intent"),
    ("transcript[].interpretations[0].nluConfidence", "transcript[].confidence"),
    ("transcript[].interpretations[0].sentimentResponse.sentimentScore",
     "transcript[].sentiment (positive - negative)"),
    ("transcript[].messages[].content", "transcript[].text, speaker bot"),
    ("inputTranscript, interpretations", "the last customer turn, without a transcript"),
    ("sessionState.sessionAttributes.cxsidebar", "queue, reasons, note_to_agent, flow, "
     "customer (a JSON string: session attributes are strings)"),
)  # fmt: skip


def _score(value: Any) -> Any:
    """The Lambda event gives `nluConfidence` as a number, the runtime API as {"score": n}."""
    return value.get("score") if isinstance(value, dict) else value


class SentimentScore(Source):
    positive: Annotated[float, Field(ge=0, le=1)] = 0.0
    negative: Annotated[float, Field(ge=0, le=1)] = 0.0


class SentimentResponse(Source):
    sentiment: str | None = None
    sentimentScore: SentimentScore | None = None


class Intent(Source):
    name: str | None = None
    slots: dict[str, Any] | None = None


class Interpretation(Source):
    intent: Intent | None = None
    nluConfidence: Annotated[
        Annotated[float, Field(ge=0, le=1)] | None, BeforeValidator(_score)
    ] = None
    sentimentResponse: SentimentResponse | None = None


class Message(Source):
    content: str = ""


class LogRecord(Source):
    timestamp: AwareDatetime
    inputTranscript: str = ""
    interpretations: list[Interpretation] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)


class SessionState(Source):
    intent: Intent | None = None
    sessionAttributes: dict[str, str] = Field(default_factory=dict)


class Bot(Source):
    name: str | None = None
    localeId: str | None = None


class _Attributes(Source):
    hints: HintsField = Field(default=None, alias=HINTS_KEY)


class LexEvent(Source):
    sessionId: Annotated[str, Field(min_length=1)]
    bot: Bot
    inputMode: str | None = None
    inputTranscript: str = ""
    interpretations: list[Interpretation] = Field(default_factory=list)
    sessionState: SessionState = Field(default_factory=SessionState)
    transcript: list[LogRecord] = Field(default_factory=list)


def _customer_turn(text: str, interpretations: list[Interpretation], at: Any) -> DraftTurn:
    top = interpretations[0] if interpretations else None
    sentiment = top.sentimentResponse.sentimentScore if top and top.sentimentResponse else None
    return DraftTurn(
        Speaker.CUSTOMER, text, at,
        intent=top.intent.name if top and top.intent else None,
        confidence=top.nluConfidence if top else None,
        sentiment=round(sentiment.positive - sentiment.negative, 4) if sentiment else None,
    )  # fmt: skip


def read(payload: dict[str, Any], config: SourceConfig) -> Draft:
    event = parse(LexEvent, payload)
    hints: Hints | None = parse(
        _Attributes, event.sessionState.sessionAttributes, "sessionState.sessionAttributes"
    ).hints
    turns: list[DraftTurn] = []
    if event.transcript:
        for record in event.transcript:
            if record.inputTranscript:
                turns.append(
                    _customer_turn(record.inputTranscript, record.interpretations, record.timestamp)
                )
            turns.extend(
                DraftTurn(Speaker.BOT, message.content, record.timestamp)
                for message in record.messages
            )
    elif event.inputTranscript:
        turns.append(_customer_turn(event.inputTranscript, event.interpretations, None))
    intent = event.sessionState.intent
    mode = (event.inputMode or "").lower()
    locale = event.bot.localeId.replace("_", "-") if event.bot.localeId else None
    last = event.transcript[-1].timestamp if event.transcript else None
    return Draft(
        platform="lex-v2",
        conversation_id=event.sessionId,
        handoff_key=str(int(last.timestamp() * 1000)) if last else "",
        customer_id=event.sessionId,
        turns=turns,
        created_at=last,
        channel="voice" if mode in ("speech", "dtmf") else "chat",
        language=locale,
        flow=intent.name if intent and intent.name else event.bot.name,
        hints=hints,
        amounts=amounts_in(intent.slots or {}) if intent else [],
    )


ADAPTER = Adapter("lex-v2", "Amazon Lex V2 (via Amazon Connect)", DOC_URL, MAPPING, read)
