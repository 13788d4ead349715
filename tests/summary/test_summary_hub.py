"""The hub summarises after intake, keeps every version, rate-limits regeneration,
and uses an OpenAI-compatible endpoint when configured: on real hub processes."""

from __future__ import annotations

import json

import httpx
import pytest
from cx_fake_openai import Reply
from support.hub import escalation_body, open_stream

from cxsidebar.core import EscalationContext

GOOD = {
    "issue": {"text": "Wants a refund above the bot's limit.", "cites": ["t1"]},
    "wants": [{"text": "A refund.", "cites": ["t1"]}],
    "bot_tried": [{"text": "Asked them to wait.", "cites": ["t2"]}],
    "facts": [],
    "sentiment": None,
    "next_step": {"text": "Review the refund.", "cites": ["t1"]},
}

CONVERSATION = [
    {"id": "t1", "at": "2026-11-26T09:59:00+00:00", "speaker": "customer",
     "text": "I need a refund of $740 for order ORD-1234, write to dana@example.com"},
    {"id": "t2", "at": "2026-11-26T09:59:30+00:00", "speaker": "bot", "text": "One moment please."},
]  # fmt: skip


def context(hub, escalation_id: str) -> EscalationContext:
    answer = httpx.get(f"{hub.url}/v1/escalations/{escalation_id}", headers=hub.auth(), timeout=5)
    assert answer.status_code == 200, answer.text
    return EscalationContext.model_validate_json(answer.content)


def regenerate(hub, escalation_id: str) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/v1/escalations/{escalation_id}/summary", headers=hub.auth(), timeout=5
    )


def updated_events(stream, count: int) -> list[dict]:
    found: list[dict] = []
    while len(found) < count:
        (event,) = stream.events(1, timeout=15)
        if event.event == "escalation.updated":
            found.append(json.loads(event.data))
    return found


def test_summary_follows_intake_and_regeneration_keeps_versions(hub_factory):
    hub = hub_factory(summaries=True)
    with open_stream(hub.url, hub.agent_token, read_timeout=15) as stream:
        assert hub.post(escalation_body("esc-s", transcript=CONVERSATION)).status_code == 202
        (first,) = updated_events(stream, 1)
        assert first == {"escalation_id": "esc-s", "queue": "billing", "what": "summary"}
        summary = context(hub, "esc-s").summary
        assert summary.kind == "extractive"
        assert summary.version == 1
        assert summary.provenance.summariser == "extractive"
        assert any("ORD-1234" in fact.text for fact in summary.facts)

        answer = regenerate(hub, "esc-s")
        assert answer.status_code == 202
        assert answer.json() == {"escalation_id": "esc-s", "status": "queued"}
        updated_events(stream, 1)

    versions = httpx.get(
        f"{hub.url}/v1/escalations/esc-s/summaries", headers=hub.auth(), timeout=5
    ).json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    assert context(hub, "esc-s").summary.version == 2

    again = regenerate(hub, "esc-s")
    assert again.status_code == 429
    assert again.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(again.headers["Retry-After"]) <= 30


def test_regeneration_errors(hub_factory):
    hub = hub_factory()  # --no-summaries
    assert hub.post(escalation_body("esc-n")).status_code == 202
    off = regenerate(hub, "esc-n")
    assert off.status_code == 503
    assert off.json()["error"]["code"] == "unavailable"
    assert regenerate(hub, "nope").status_code == 404
    anonymous = httpx.post(f"{hub.url}/v1/escalations/esc-n/summary", timeout=5)
    assert anonymous.status_code == 401
    assert context(hub, "esc-n").summary is None


@pytest.mark.parametrize(
    ("reply", "kind", "fallback"),
    [
        (lambda body: Reply(json.dumps(GOOD)), "llm", None),
        (lambda body: Reply(status=500), "extractive", "answered 500"),
    ],
    ids=["llm", "llm-down"],
)
def test_the_llm_summariser_is_used_when_configured(
    hub_factory, fake_openai, reply, kind, fallback
):
    fake_openai.fake.reply = reply
    hub = hub_factory(
        summaries=True,
        extra_args=["--llm-base-url", fake_openai.base_url, "--llm-model", "fake-model"],
    )
    with open_stream(hub.url, hub.agent_token, read_timeout=30) as stream:
        assert hub.post(escalation_body("esc-l", transcript=CONVERSATION)).status_code == 202
        updated_events(stream, 1)
    summary = context(hub, "esc-l").summary
    assert summary.kind == kind
    assert (
        summary.provenance.fallback_reason == fallback
        or fallback in summary.provenance.fallback_reason
    )
    sent = json.dumps(fake_openai.fake.requests)
    assert "dana@example.com" not in sent
    assert "Dana Customer" not in sent
