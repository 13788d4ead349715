"""Rasa: the tracker dump a custom action posts at handoff (`tracker.current_state()`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

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

DOC_URL = "https://rasa.com/docs/rasa/pages/http-api#tag/Tracker"
SKIPPED_ACTIONS = {"action_listen", "action_session_start"}
VOICE_CHANNELS = {"audiocodes", "twilio_voice", "jambonz", "genesys", "vier_cvg"}

MAPPING = (
    ("sender_id", "customer.id (unless slots.cxsidebar.customer_id); escalation id"),
    ("events[event=user].text", "transcript[].text, speaker customer"),
    ("events[event=user].parse_data.intent.name", "transcript[].intent"),
    ("events[event=user].parse_data.intent.confidence", "transcript[].confidence"),
    ("events[event=bot].text", "transcript[].text, speaker bot"),
    (
        "events[event=action].name",
        "transcript[].text 'action: NAME', speaker system "
        "(not action_listen, action_session_start or utter_*)",
    ),
    ("events[].timestamp", "transcript[].at; the last one is created_at"),
    ("latest_input_channel", "channel (voice for voice connectors, else chat)"),
    ("active_loop.name", "bot.flow (else the last customer intent)"),
    ("slots.*amount*", "payment amounts for inference"),
    ("slots.cxsidebar", "queue, reasons, note_to_agent, flow, customer, language"),
)


class Intent(Source):
    name: str | None = None
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None


class ParseData(Source):
    intent: Intent | None = None


class Event(Source):
    event: str
    timestamp: float
    text: str | None = None
    name: str | None = None
    parse_data: ParseData | None = None


class ActiveLoop(Source):
    name: str | None = None


class Tracker(Source):
    sender_id: Annotated[str, Field(min_length=1)]
    events: Annotated[list[Event], Field(min_length=1)]
    slots: dict[str, Any] = Field(default_factory=dict)
    latest_input_channel: str | None = None
    active_loop: ActiveLoop | None = None


class _Slots(Source):
    hints: HintsField = Field(default=None, alias=HINTS_KEY)


def _shown(action: str) -> bool:
    """Actions worth a system line: not listening, and not utterances (their bot event shows)."""
    return action not in SKIPPED_ACTIONS and not action.startswith("utter_")


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def read(payload: dict[str, Any], config: SourceConfig) -> Draft:
    tracker = parse(Tracker, payload)
    hints: Hints | None = parse(_Slots, tracker.slots, "slots").hints
    turns: list[DraftTurn] = []
    last_intent: str | None = None
    for event in tracker.events:
        if event.event == "user":
            intent = event.parse_data.intent if event.parse_data else None
            last_intent = intent.name if intent and intent.name else last_intent
            turns.append(
                DraftTurn(
                    Speaker.CUSTOMER, event.text or "", _at(event.timestamp),
                    intent=intent.name if intent else None,
                    confidence=intent.confidence if intent else None,
                )
            )  # fmt: skip
        elif event.event == "bot":
            turns.append(DraftTurn(Speaker.BOT, event.text or "", _at(event.timestamp)))
        elif event.event == "action" and event.name and _shown(event.name):
            turns.append(DraftTurn(Speaker.SYSTEM, f"action: {event.name}", _at(event.timestamp)))
    channel = (tracker.latest_input_channel or "").lower()
    loop = tracker.active_loop.name if tracker.active_loop else None
    last = tracker.events[-1].timestamp
    return Draft(
        platform="rasa",
        conversation_id=tracker.sender_id,
        handoff_key=str(round(last * 1000)),
        customer_id=tracker.sender_id,
        turns=turns,
        created_at=_at(last),
        channel="voice" if channel in VOICE_CHANNELS else "chat",
        flow=loop or last_intent,
        hints=hints,
        amounts=amounts_in({k: v for k, v in tracker.slots.items() if k != HINTS_KEY}),
    )


ADAPTER = Adapter("rasa", "Rasa", DOC_URL, MAPPING, read)
