"""The demo escalations in each bot platform's own handoff format (see docs/adapters.md).

`render(fmt, escalation)` turns a scenario's `core.Escalation` into the payload that
platform would send, so `ScriptedBot(format=...)` exercises the hub's adapters end to
end. What a platform cannot say natively (the queue, the stated reasons, ...) travels in
its place for custom data under the `cxsidebar` key, as a real integration would put it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from cxsidebar import core

FORMATS = ("v1", "rasa", "dialogflow-cx", "lex-v2", "copilot-studio", "chatwoot", "botpress")
_S = core.Speaker


def _iso(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))


def _hints(e: core.Escalation, **extra: Any) -> dict[str, Any]:
    hints: dict[str, Any] = {
        "queue": e.queue,
        "reasons": [reason.model_dump(mode="json", exclude_none=True) for reason in e.reasons],
        "channel": e.channel,
        "language": e.language,
    }
    hints.update({key: value for key, value in extra.items() if value})
    return hints


def _number(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:7], 16)


def rasa(e: core.Escalation) -> dict[str, Any]:
    start = e.transcript[0].at if e.transcript else e.created_at
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "timestamp": start.timestamp()},
    ]
    for turn in e.transcript:
        at = turn.at.timestamp()
        if turn.speaker is _S.CUSTOMER:
            events.append({
                "event": "user", "timestamp": at, "text": turn.text,
                "parse_data": {
                    "text": turn.text,
                    "intent": {"name": turn.intent, "confidence": turn.confidence},
                    "entities": [],
                },
                "input_channel": "rest",
            })  # fmt: skip
        elif turn.speaker is _S.BOT:
            events.append({"event": "bot", "timestamp": at, "text": turn.text, "data": {}})
    handoff = e.created_at.timestamp()
    events.append({"event": "action", "name": "action_handoff_to_agent", "timestamp": handoff})
    return {
        "sender_id": e.customer.id,
        "slots": {
            "cxsidebar": _hints(
                e, note_to_agent=e.bot.note_to_agent, customer_name=e.customer.display_name,
                flow=e.bot.flow,
            ),
            "session_started_metadata": None,
        },
        "latest_message": next(
            (event["parse_data"] for event in reversed(events) if event["event"] == "user"), {}
        ),
        "latest_event_time": e.created_at.timestamp(),
        "followup_action": None,
        "paused": False,
        "events": events,
        "latest_input_channel": "twilio_voice" if e.channel == "voice" else "rest",
        "active_loop": {},
        "latest_action_name": "action_handoff_to_agent",
    }  # fmt: skip


def dialogflow_cx(e: core.Escalation) -> dict[str, Any]:
    roles = {_S.CUSTOMER: "END_USER", _S.BOT: "AUTOMATED_AGENT", _S.SYSTEM: "ROLE_UNSPECIFIED"}
    transcript = []
    for turn in e.transcript:
        item: dict[str, Any] = {
            "content": turn.text, "participantRole": roles[turn.speaker],
            "createTime": _iso(turn.at),
        }  # fmt: skip
        if turn.intent is not None:
            item["match"] = {"intent": {"displayName": turn.intent}, "confidence": turn.confidence}
        if turn.sentiment is not None:
            item["sentimentAnalysisResult"] = {"score": turn.sentiment, "magnitude": 0.5}
        transcript.append(item)
    said = [t for t in e.transcript if t.speaker is _S.CUSTOMER]
    last = said[-1] if said else None
    agent = "projects/demo-project/locations/global/agents/demo-agent"
    metadata = _hints(
        e, customer_id=e.customer.id, customer_name=e.customer.display_name,
        note_to_agent=e.bot.note_to_agent,
    )  # fmt: skip
    return {
        "detectIntentResponseId": f"{e.id}-handoff",
        "languageCode": e.language,
        "text": last.text if last else "",
        "intentInfo": {
            "lastMatchedIntent": f"{agent}/intents/handoff",
            "displayName": last.intent if last else None,
            "confidence": last.confidence if last else None,
        },
        "pageInfo": {"currentPage": f"{agent}/flows/00000000-0000-0000-0000-000000000000/pages/"
                     "handoff", "displayName": e.bot.flow},
        "sessionInfo": {"session": f"{agent}/sessions/{e.id}", "parameters": {}},
        "fulfillmentInfo": {"tag": "live-agent-handoff"},
        "messages": [
            {"liveAgentHandoff": {"metadata": metadata}, "responseType": "HANDLER_PROMPT",
             "source": "VIRTUAL_AGENT"},
        ],
        "payload": {"transcript": transcript},
    }  # fmt: skip


def _lex_interpretation(turn: core.Turn) -> list[dict[str, Any]]:
    item: dict[str, Any] = {"nluConfidence": turn.confidence}
    if turn.intent is not None:
        item["intent"] = {"name": turn.intent, "slots": {}, "state": "InProgress",
                          "confirmationState": "None"}  # fmt: skip
    if turn.sentiment is not None:
        s = turn.sentiment
        label = "NEGATIVE" if s < -0.2 else "POSITIVE" if s > 0.2 else "NEUTRAL"
        item["sentimentResponse"] = {"sentiment": label, "sentimentScore": {
            "positive": max(s, 0.0), "negative": max(-s, 0.0), "neutral": 1 - abs(s), "mixed": 0.0,
        }}  # fmt: skip
    return [item]


def lex_v2(e: core.Escalation) -> dict[str, Any]:
    records: list[dict[str, Any]] = []
    for turn in e.transcript:
        if turn.speaker is _S.CUSTOMER:
            records.append({
                "timestamp": _iso(turn.at), "inputTranscript": turn.text,
                "interpretations": _lex_interpretation(turn), "messages": [],
            })  # fmt: skip
        elif turn.speaker is _S.BOT:
            if not records:
                records.append({"timestamp": _iso(turn.at), "inputTranscript": "", "messages": []})
            records[-1]["messages"].append({"contentType": "PlainText", "content": turn.text})
    said = [t for t in e.transcript if t.speaker is _S.CUSTOMER]
    hints = _hints(
        e, customer_id=e.customer.id, customer_name=e.customer.display_name,
        note_to_agent=e.bot.note_to_agent,
    )  # fmt: skip
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "Speech" if e.channel == "voice" else "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": e.id,
        "inputTranscript": said[-1].text if said else "",
        "bot": {"id": "DEMOBOT01", "name": "DemoBot", "aliasId": "TSTALIASID",
                "aliasName": "TestBotAlias", "localeId": e.language.replace("-", "_"),
                "version": "DRAFT"},
        "interpretations": _lex_interpretation(said[-1]) if said else [],
        "sessionState": {
            "intent": {"name": e.bot.flow, "slots": {}, "state": "Fulfilled",
                       "confirmationState": "None"},
            "sessionAttributes": {"cxsidebar": json.dumps(hints)},
        },
        "requestAttributes": {"x-amz-lex:channels:platform": "Connect"},
        "transcript": records,
    }  # fmt: skip


def copilot_studio(e: core.Escalation) -> dict[str, Any]:
    activities = []
    for turn in e.transcript:
        if turn.speaker is _S.SYSTEM:
            continue
        customer = turn.speaker is _S.CUSTOMER
        sender = (
            {"id": e.customer.id, "name": e.customer.display_name, "role": "user"}
            if customer else {"id": "demo-copilot", "name": "Demo copilot", "role": "bot"}
        )  # fmt: skip
        activities.append(
            {
                "type": "message",
                "id": f"{e.id}|{turn.id}",
                "timestamp": _iso(turn.at),
                "from": sender,
                "text": turn.text,
            }
        )
    said = [t for t in e.transcript if t.speaker is _S.CUSTOMER and t.intent is not None]
    return {
        "type": "event",
        "name": "handoff.initiate",
        "id": f"{e.id}|handoff",
        "timestamp": _iso(e.created_at),
        "channelId": "directline",
        "from": {"id": "demo-copilot", "name": "Demo copilot", "role": "bot"},
        "conversation": {"id": e.id},
        "value": {
            "va_Scope": "bot",
            "va_ConversationId": e.id,
            "va_LastTopic": e.bot.flow,
            "va_Topics": [t.intent for t in said],
            "va_LastPhrases": said[-1].text if said else "",
            "va_Phrases": [t.text for t in said],
            "va_AgentMessage": e.bot.note_to_agent,
            "va_Language": e.language,
            "cxsidebar": _hints(e),
        },
        "attachments": [{"name": "transcript", "contentType": "application/json",
                         "content": {"activities": activities}}],
    }  # fmt: skip


def chatwoot(e: core.Escalation) -> dict[str, Any]:
    kinds = {_S.CUSTOMER: 0, _S.BOT: 1, _S.SYSTEM: 2}
    conversation = _number(e.id) % 1_000_000
    messages: list[dict[str, Any]] = [
        {"id": conversation * 100_000 + n, "content": turn.text, "account_id": 1,
         "conversation_id": conversation, "message_type": kinds[turn.speaker],
         "created_at": int(turn.at.timestamp()), "private": False, "status": "sent",
         "content_type": "text", "content_attributes": {},
         "sender_type": "Contact" if turn.speaker is _S.CUSTOMER else "AgentBot"}
        for n, turn in enumerate(e.transcript, 1)
    ]  # fmt: skip
    hints = _hints(e, note_to_agent=e.bot.note_to_agent, flow=e.bot.flow)
    return {
        "event": "conversation_status_changed",
        "id": conversation,
        "inbox_id": 1,
        "account": {"id": 1, "name": "Demo"},
        "channel": "Channel::Email" if e.channel == "email" else "Channel::WebWidget",
        "status": "open",
        "timestamp": int(e.created_at.timestamp()),
        "can_reply": True,
        "meta": {"sender": {"id": _number(e.customer.id) % 100_000, "identifier": e.customer.id,
                            "name": e.customer.display_name, "type": "contact"},
                 "assignee": None},
        "messages": messages,
        "custom_attributes": {"cxsidebar": json.dumps(hints)},
        "changed_attributes": [{"status": {"previous_value": "pending", "current_value": "open"}}],
    }  # fmt: skip


def botpress(e: core.Escalation) -> dict[str, Any]:
    authors = {_S.CUSTOMER: e.customer.id, _S.BOT: "bot", _S.SYSTEM: "system"}
    return {
        "type": "createRemoteConversation",
        "payload": {
            "conversationId": e.id,
            "userId": e.customer.id,
            "userName": e.customer.display_name,
            "title": e.bot.flow,
            "description": e.bot.note_to_agent,
            "messages": [
                {"text": turn.text, "author": authors[turn.speaker], "timestamp": _iso(turn.at)}
                for turn in e.transcript
            ],
            "cxsidebar": _hints(e),
        },
    }


def v1(e: core.Escalation) -> dict[str, Any]:
    return e.model_dump(mode="json")


RENDERERS: dict[str, Callable[[core.Escalation], dict[str, Any]]] = {
    "v1": v1,
    "rasa": rasa,
    "dialogflow-cx": dialogflow_cx,
    "lex-v2": lex_v2,
    "copilot-studio": copilot_studio,
    "chatwoot": chatwoot,
    "botpress": botpress,
}


def render(fmt: str, escalation: core.Escalation) -> dict[str, Any]:
    """The payload `fmt` would send for `escalation`; ValueError for an unknown format."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    return renderer(escalation)


def path(fmt: str) -> str:
    """Where the hub takes this format."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return "/v1/escalations" if fmt == "v1" else f"/v1/adapters/{fmt}/escalations"
