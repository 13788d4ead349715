"""The platforms the hub accepts, and `adapt`: payload bytes → `core.Escalation`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from cxsidebar.core import Escalation
from cxsidebar.hub.adapters import botpress, chatwoot, copilot_studio, dialogflow_cx, lex_v2, rasa
from cxsidebar.hub.adapters.base import Adapter, Draft, Hints, PayloadError, lookup, stable_id
from cxsidebar.hub.adapters.config import AdaptersConfig, SourceConfig, scalar_text
from cxsidebar.hub.adapters.inference import InferenceRules, infer, merge

ADAPTERS: Mapping[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        rasa.ADAPTER,
        dialogflow_cx.ADAPTER,
        lex_v2.ADAPTER,
        copilot_studio.ADAPTER,
        chatwoot.ADAPTER,
        botpress.ADAPTER,
    )
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def adapt(
    adapter: Adapter,
    body: bytes,
    config: AdaptersConfig,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> Escalation:
    """Map one platform payload; `PayloadError` names the field when it cannot be mapped."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PayloadError([(None, f"the body is not valid JSON: {error}")]) from None
    if not isinstance(payload, dict):
        raise PayloadError([(None, "expected a JSON object")])
    source = config.source(adapter.name)
    draft = adapter.read(payload, source)
    return build(draft, payload, source, config.inference, clock)


def route(source: SourceConfig, payload: Mapping[str, Any]) -> str | None:
    """The queue of the first routing rule whose field has the rule's value."""
    for rule in source.routes:
        value = lookup(payload, rule.field)
        if isinstance(value, str | int | float | bool) and scalar_text(value) == rule.equals:
            return rule.queue
    return None


def build(
    draft: Draft,
    payload: Mapping[str, Any],
    source: SourceConfig,
    rules: InferenceRules,
    clock: Callable[[], datetime] = _utc_now,
) -> Escalation:
    hints = draft.hints or Hints()
    created = draft.created_at or clock()
    key = draft.handoff_key or _content_key(payload)
    turns: list[dict[str, Any]] = []
    for n, turn in enumerate(draft.turns, 1):
        item: dict[str, Any] = {
            "id": f"t{n:05d}", "at": turn.at or created, "speaker": turn.speaker,
            "text": turn.text, "intent": turn.intent, "confidence": turn.confidence,
            "sentiment": turn.sentiment,
        }  # fmt: skip
        if turn.source_id:
            item["source_id"] = turn.source_id
        turns.append(item)
    flow = hints.flow or draft.flow or draft.platform
    try:
        escalation = Escalation.model_validate(
            {
                "id": stable_id(draft.platform, draft.conversation_id, key),
                "queue": route(source, payload) or hints.queue or source.default_queue,
                "channel": hints.channel or draft.channel,
                "created_at": created,
                "language": hints.language or draft.language or "en",
                "bot": {
                    "platform": draft.platform,
                    "flow": flow[:200],
                    "note_to_agent": hints.note_to_agent or draft.note_to_agent,
                },
                "customer": {
                    "id": hints.customer_id or draft.customer_id,
                    "display_name": hints.customer_name or draft.customer_name,
                },
                "transcript": turns,
            }
        )
        inferred = infer(escalation.transcript, rules, draft.amounts)
        reasons = merge([*draft.reasons, *hints.reasons], inferred)
        # At most 100 reasons (v1's limit); the stated ones come first.
        return escalation.model_copy(update={"reasons": reasons[:100]})
    except ValidationError as error:
        raise PayloadError(
            [
                (
                    "mapped escalation: " + ".".join(str(part) for part in item["loc"]),
                    item["msg"],
                )
                for item in error.errors()
            ]
        ) from None


def _content_key(payload: Mapping[str, Any]) -> str:
    """When the payload has no time of its own: the same payload gives the same id."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
