"""Dialogflow CX: the webhook request of a live-agent-handoff fulfillment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from cxsidebar.core import Speaker
from cxsidebar.hub.adapters.base import (
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

DOC_URL = "https://cloud.google.com/dialogflow/cx/docs/reference/rest/v3/WebhookRequest"

MAPPING = (
    ("sessionInfo.session", "customer.id (last path segment, unless cxsidebar.customer_id)"),
    ("detectIntentResponseId", "escalation id (with the session)"),
    ("languageCode", "language"),
    ("pageInfo.displayName", "bot.flow (else intentInfo.displayName)"),
    ("payload.transcript[].content", "transcript[].text"),
    ("payload.transcript[].participantRole", "transcript[].speaker (END_USER customer, "
     "AUTOMATED_AGENT bot, HUMAN_AGENT and ROLE_UNSPECIFIED system)"),
    ("payload.transcript[].createTime", "transcript[].at; the last one is created_at"),
    ("payload.transcript[].match.intent.displayName", "transcript[].intent"),
    ("payload.transcript[].match.confidence", "transcript[].confidence"),
    ("payload.transcript[].sentimentAnalysisResult.score", "transcript[].sentiment"),
    ("text, intentInfo, sentimentAnalysisResult", "the last customer turn, without a "
     "payload.transcript"),
    ("messages[].text.text", "bot turns, without a payload.transcript"),
    ("messages[].liveAgentHandoff.metadata", "queue, reasons, note_to_agent, flow, customer"),
    ("sessionInfo.parameters.*amount*", "payment amounts for inference"),
)  # fmt: skip


class IntentRef(Source):
    displayName: str | None = None


class Match(Source):
    intent: IntentRef | None = None
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None


class Sentiment(Source):
    score: Annotated[float, Field(ge=-1, le=1)] | None = None


class TranscriptTurn(Source):
    content: str
    participantRole: Literal["END_USER", "AUTOMATED_AGENT", "HUMAN_AGENT", "ROLE_UNSPECIFIED"]
    createTime: AwareDatetime
    match: Match | None = None
    sentimentAnalysisResult: Sentiment | None = None


class CallerPayload(Source):
    transcript: list[TranscriptTurn] = Field(default_factory=list)


class IntentInfo(Source):
    displayName: str | None = None
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None


class SessionInfo(Source):
    session: Annotated[str, Field(min_length=1)]
    parameters: dict[str, Any] = Field(default_factory=dict)


class PageInfo(Source):
    displayName: str | None = None


class Text(Source):
    text: list[str] = Field(default_factory=list)


class Handoff(Source):
    metadata: HintsField = None


class ResponseMessage(Source):
    text: Text | None = None
    liveAgentHandoff: Handoff | None = None


class WebhookRequest(Source):
    detectIntentResponseId: Annotated[str, Field(min_length=1)]
    sessionInfo: SessionInfo
    languageCode: str | None = None
    text: str | None = None
    intentInfo: IntentInfo | None = None
    pageInfo: PageInfo | None = None
    messages: list[ResponseMessage] = Field(default_factory=list)
    sentimentAnalysisResult: Sentiment | None = None
    payload: CallerPayload | None = None


ROLES = {
    "END_USER": Speaker.CUSTOMER,
    "AUTOMATED_AGENT": Speaker.BOT,
    "HUMAN_AGENT": Speaker.SYSTEM,
    "ROLE_UNSPECIFIED": Speaker.SYSTEM,
}


def _from_transcript(turns: list[TranscriptTurn]) -> list[DraftTurn]:
    return [
        DraftTurn(
            ROLES[turn.participantRole], turn.content, turn.createTime,
            intent=turn.match.intent.displayName if turn.match and turn.match.intent else None,
            confidence=turn.match.confidence if turn.match else None,
            sentiment=(
                turn.sentimentAnalysisResult.score if turn.sentimentAnalysisResult else None
            ),
        )
        for turn in turns
    ]  # fmt: skip


def _from_this_turn(request: WebhookRequest) -> list[DraftTurn]:
    turns: list[DraftTurn] = []
    if request.text:
        info = request.intentInfo
        score = request.sentimentAnalysisResult
        turns.append(
            DraftTurn(
                Speaker.CUSTOMER, request.text,
                intent=info.displayName if info else None,
                confidence=info.confidence if info else None,
                sentiment=score.score if score else None,
            )
        )  # fmt: skip
    for message in request.messages:
        if message.text:
            turns.extend(DraftTurn(Speaker.BOT, line) for line in message.text.text)
    return turns


def read(payload: dict[str, Any], config: SourceConfig) -> Draft:
    request = parse(WebhookRequest, payload)
    hints: Hints | None = next(
        (m.liveAgentHandoff.metadata for m in request.messages if m.liveAgentHandoff), None
    )
    transcript = request.payload.transcript if request.payload else []
    turns = _from_transcript(transcript) if transcript else _from_this_turn(request)
    session = request.sessionInfo.session.rstrip("/").rsplit("/", 1)[-1]
    created: datetime | None = transcript[-1].createTime if transcript else None
    flow = request.pageInfo.displayName if request.pageInfo else None
    if not flow and request.intentInfo:
        flow = request.intentInfo.displayName
    return Draft(
        platform="dialogflow-cx",
        conversation_id=session,
        handoff_key=request.detectIntentResponseId,
        customer_id=session,
        turns=turns,
        created_at=created,
        language=request.languageCode,
        flow=flow,
        hints=hints,
        amounts=amounts_in(request.sessionInfo.parameters),
    )


ADAPTER = Adapter("dialogflow-cx", "Dialogflow CX", DOC_URL, MAPPING, read)
